import { HttpException } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { ProblemBody, ProblemException } from './problem';
import { titleFor } from './status-titles';

export interface ProblemResult {
  body: ProblemBody;
  headers: Record<string, string>;
  /** OpenAI `type`/`code` for the /v1 rendering (never part of the problem body). */
  openAi?: { type?: string; code?: string };
  /** An error nobody expected: logged with its stack, answered without detail. */
  unexpected: boolean;
}

/** Fastify's own errors (body parsing, media type, size) carry a statusCode and an FST_ code. */
interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

const FASTIFY_DETAILS: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported Content-Type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large',
  FST_ERR_CTP_EMPTY_JSON_BODY: "Body cannot be empty when Content-Type is 'application/json'",
  FST_ERR_CTP_INVALID_JSON_BODY: 'Malformed JSON body',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
};

/** SQLSTATEs of a database that is gone, restarting or refusing connections (class 08 is connection exceptions). */
const DATABASE_UNAVAILABLE_STATES: ReadonlySet<string> = new Set([
  '57P01', // admin_shutdown: the connection was terminated
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
  '53300', // too_many_connections
  '3D000', // the database does not exist (dropped, or not created yet)
]);
/** Socket errors that reach this filter come from our own dependencies (the database, Redis). */
const CONNECTION_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** What node-postgres throws when a connection dies or cannot be had from the pool in time. */
const PG_CONNECTION_MESSAGE = /^(Connection terminated|timeout exceeded when trying to connect)/;
/** What ioredis throws for a command while the server is unreachable (after its retries) or the connection closed. */
const REDIS_UNAVAILABLE_NAMES: ReadonlySet<string> = new Set(['MaxRetriesPerRequestError']);
const REDIS_CONNECTION_MESSAGE = /^Connection is closed\.$/;
/** Seconds a client should wait before retrying while a dependency is unavailable. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * The database (or another dependency we connect to) is unreachable: not a
 * bug in the request or in the code, so 503 with Retry-After rather than 500.
 */
export function isDependencyUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const driverError = err instanceof QueryFailedError ? (err.driverError as unknown) : err;
  const { code, message, name } = (driverError ?? {}) as {
    code?: unknown;
    message?: unknown;
    name?: unknown;
  };
  if (typeof name === 'string' && REDIS_UNAVAILABLE_NAMES.has(name)) return true;
  if (typeof code === 'string') {
    if (code.startsWith('08') && code.length === 5) return true;
    if (DATABASE_UNAVAILABLE_STATES.has(code) || CONNECTION_ERROR_CODES.has(code)) return true;
  }
  return (
    typeof message === 'string' &&
    (PG_CONNECTION_MESSAGE.test(message) || REDIS_CONNECTION_MESSAGE.test(message))
  );
}

function problem(status: number, title: string, detail: string, instance: string): ProblemBody {
  return { type: 'about:blank', title, status, detail, instance };
}

function fromHttpException(err: HttpException, instance: string): ProblemBody {
  const status = err.getStatus();
  const response = err.getResponse();
  let detail = err.message;
  if (typeof response === 'object' && response !== null) {
    const message = (response as { message?: unknown }).message;
    if (Array.isArray(message)) detail = message.join('; ');
    else if (typeof message === 'string') detail = message;
  }
  return problem(status, titleFor(status), detail, instance);
}

export function toProblem(err: unknown, instance: string, requestId: string): ProblemResult {
  if (err instanceof ProblemException) {
    const { detail, errors, headers, extensions, type, openAi } = err.problem;
    const body: ProblemBody = {
      ...(extensions ?? {}),
      ...problem(err.getStatus(), err.title, detail ?? err.title, instance),
      type: type ?? 'about:blank',
    };
    if (errors) body.errors = errors;
    return { body, headers: headers ?? {}, unexpected: false, openAi };
  }
  if (err instanceof HttpException) {
    return { body: fromHttpException(err, instance), headers: {}, unexpected: err.getStatus() >= 500 };
  }
  if (err instanceof QueryFailedError) {
    const code = (err.driverError as { code?: string } | undefined)?.code;
    if (code === '23505') {
      return {
        body: problem(409, 'Conflict', 'The resource already exists', instance),
        headers: {},
        unexpected: false,
      };
    }
    if (code === '22P02' || code === '22001') {
      return {
        body: problem(400, 'Bad Request', 'A value has the wrong format or length', instance),
        headers: {},
        unexpected: false,
      };
    }
  }
  if (isDependencyUnavailable(err)) {
    const body = problem(
      503,
      'Service Unavailable',
      'A service this server depends on (its database or Redis) cannot be reached; retry shortly',
      instance,
    );
    body.requestId = requestId;
    // Logged like an unexpected error: operators need to see an outage.
    return { body, headers: { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS) }, unexpected: true };
  }
  const fastify = err as FastifyLikeError;
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    const status = fastify.statusCode;
    const isJsonSyntax = err instanceof SyntaxError || fastify.code === 'FST_ERR_CTP_INVALID_JSON_BODY';
    const detail = isJsonSyntax
      ? 'Malformed JSON body'
      : (FASTIFY_DETAILS[fastify.code ?? ''] ?? titleFor(status));
    return { body: problem(status, titleFor(status), detail, instance), headers: {}, unexpected: false };
  }
  const body = problem(500, 'Internal Server Error', 'An unexpected error occurred', instance);
  body.requestId = requestId;
  return { body, headers: {}, unexpected: true };
}
