import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toOpenAiError } from './openai-error';
import { toProblem } from './to-problem';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * The one place HTTP errors become RFC 9457 problem+json. Unknown errors are
 * logged once here, with the request id, and answered as a bare 500.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(err: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw err;
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    sendProblem(err, request, reply, this.logger);
  }
}

export function sendProblem(
  err: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  logger: Logger,
): void {
  const instance = request.url.split('?')[0];
  const { body, headers, unexpected, openAi } = toProblem(err, instance, String(request.id));
  if (unexpected) {
    logger.error({
      msg: 'unhandled error',
      reqId: request.id,
      err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err),
    });
  }
  if (reply.sent || reply.raw.headersSent) {
    // A streaming response already began: nothing can be sent but the end.
    reply.raw.end();
    return;
  }
  reply.headers(headers).status(body.status);
  if (isOpenAiPath(instance)) {
    // OpenAI clients read errors in OpenAI's shape, so the /v1 gateway answers in it.
    reply.type('application/json').send(toOpenAiError(body, openAi));
    return;
  }
  reply.type(PROBLEM_CONTENT_TYPE).send(body);
}

const isOpenAiPath = (path: string): boolean => path === '/v1' || path.startsWith('/v1/');
