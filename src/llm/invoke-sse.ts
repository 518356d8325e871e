import { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ProblemBody } from '../common/errors/problem';
import { toProblem } from '../common/errors/to-problem';
import { SseWriter } from '../common/http/sse';
import { toInvokeResponse } from './dto/invoke.dto';
import type { ChatStreamEvent } from './providers/provider-adapter';

const logger = new Logger('LlmStream');

/** The problem body of an error met after the stream began (logged once if nobody expected it). */
export function streamProblem(err: unknown, request: FastifyRequest): ProblemBody {
  const { body, unexpected } = toProblem(err, request.url.split('?')[0], String(request.id));
  if (unexpected) {
    logger.error({
      msg: 'unhandled error in a stream',
      reqId: request.id,
      err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err),
    });
  }
  return body;
}

/**
 * Threadline's SSE format for a streamed completion (invoke, chat completions):
 * `data: {"delta":"…"}` per delta, then `event: done` with `{ message, usage }`,
 * or `event: error` with a problem body when the provider fails mid-stream.
 */
export async function sendCompletionStream(
  reply: FastifyReply,
  request: FastifyRequest,
  events: AsyncIterable<ChatStreamEvent>,
): Promise<void> {
  const sse = SseWriter.open(reply);
  try {
    for await (const event of events) {
      // Leaving the loop ends the generator, which aborts the upstream request.
      if (sse.closed) break;
      const flushed =
        event.type === 'delta'
          ? sse.write({ data: { delta: event.text } })
          : sse.write({ event: 'done', data: toInvokeResponse(event.completion) });
      if (!flushed) await sse.drained();
    }
  } catch (err) {
    sse.write({ event: 'error', data: streamProblem(err, request) });
  } finally {
    sse.end();
  }
}
