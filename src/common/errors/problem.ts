import { HttpException, HttpStatus } from '@nestjs/common';

export interface FieldError {
  field: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: FieldError[];
  requestId?: string;
  [extension: string]: unknown;
}

export interface ProblemOptions {
  detail?: string;
  errors?: FieldError[];
  /** Extra response headers (Retry-After, WWW-Authenticate …). */
  headers?: Record<string, string>;
  /** Extension members added to the body. */
  extensions?: Record<string, unknown>;
  type?: string;
  /** How the /v1 gateway names this error in OpenAI's shape (`type`, `code`), when the status alone says too little. */
  openAi?: { type?: string; code?: string };
}

/** The one error class features throw: a status, a title and optional RFC 9457 members. */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly title: string,
    readonly problem: ProblemOptions = {},
  ) {
    super(problem.detail ?? title, status);
  }
}

export const badRequest = (detail: string, errors?: FieldError[]): ProblemException =>
  new ProblemException(HttpStatus.BAD_REQUEST, 'Bad Request', { detail, errors });
export const notFound = (what: string): ProblemException =>
  new ProblemException(HttpStatus.NOT_FOUND, 'Not Found', { detail: `${what} not found` });
export const conflict = (detail: string): ProblemException =>
  new ProblemException(HttpStatus.CONFLICT, 'Conflict', { detail });
export const unauthorized = (detail = 'Authentication required'): ProblemException =>
  new ProblemException(HttpStatus.UNAUTHORIZED, 'Unauthorized', {
    detail,
    headers: { 'WWW-Authenticate': 'Bearer' },
  });
export const forbidden = (detail: string): ProblemException =>
  new ProblemException(HttpStatus.FORBIDDEN, 'Forbidden', { detail });
export const tooManyRequests = (retryAfterSeconds: number, detail = 'Too many requests'): ProblemException =>
  new ProblemException(HttpStatus.TOO_MANY_REQUESTS, 'Too Many Requests', {
    detail,
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });
export const unprocessable = (detail: string, errors?: FieldError[]): ProblemException =>
  new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, 'Unprocessable Content', { detail, errors });
export const serviceUnavailable = (title: string, detail?: string): ProblemException =>
  new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, title, { detail: detail ?? title });
