import { ProblemException } from '../../common/errors/problem';
import type { ActionChunkInput } from '../handlers/action-handler';

export const PROBLEM_MIME = 'application/problem+json';

/**
 * The last chunk of a failed action. A handler that wants the user to see why
 * throws a ProblemException; anything else is reported without its message,
 * which may carry internals (SQL, stack, upstream bodies).
 */
export function problemChunk(err: unknown): ActionChunkInput {
  const body =
    err instanceof ProblemException
      ? {
          type: err.problem.type ?? 'about:blank',
          title: err.title,
          status: err.getStatus(),
          detail: err.problem.detail ?? err.title,
        }
      : { type: 'about:blank', title: 'Action Failed', status: 500, detail: 'The action handler failed' };
  return { mime: PROBLEM_MIME, text: JSON.stringify(body) };
}

export function interruptedChunk(detail: string): ActionChunkInput {
  return {
    mime: PROBLEM_MIME,
    text: JSON.stringify({ type: 'about:blank', title: 'Action Interrupted', status: 500, detail }),
  };
}

/** A chunk a handler yielded must have a mime and text (string) or data (bytes). */
export function checkChunk(chunk: ActionChunkInput): void {
  const ok =
    typeof chunk === 'object' &&
    chunk !== null &&
    typeof chunk.mime === 'string' &&
    chunk.mime.length > 0 &&
    chunk.mime.length <= 100 &&
    (chunk.text === undefined || typeof chunk.text === 'string') &&
    (chunk.data === undefined || Buffer.isBuffer(chunk.data));
  if (!ok) throw new Error('The handler yielded an invalid chunk');
}
