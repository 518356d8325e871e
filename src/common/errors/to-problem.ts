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
