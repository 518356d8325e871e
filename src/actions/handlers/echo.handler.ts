import {
  ActionChunkInput,
  ActionHandler,
  ActionHandlerContext,
  ActionHandlerProvider,
} from './action-handler';

export interface EchoRequest {
  text: string;
  chunks?: number;
  delayMs?: number;
}

export interface EchoConfig {
  defaultDelayMs?: number;
}

/** Resolves after `ms`, or rejects as soon as the signal aborts. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Splits `text` into exactly `count` pieces (by code point, so no surrogate pair is cut). */
export function splitInto(text: string, count: number): string[] {
  const chars = Array.from(text);
  const pieces: string[] = [];
  for (let i = 0; i < count; i++) {
    const start = Math.floor((i * chars.length) / count);
    const end = Math.floor(((i + 1) * chars.length) / count);
    pieces.push(chars.slice(start, end).join(''));
  }
  return pieces;
}

/** Streams its text back in `chunks` text/plain pieces, `delayMs` apart: for tests and benchmarks. */
@ActionHandlerProvider()
export class EchoHandler implements ActionHandler<EchoRequest, EchoConfig> {
  readonly name = 'echo';
  readonly description = 'Streams the given text back in `chunks` text/plain pieces, `delayMs` apart.';
  readonly requestSchema = {
    type: 'object',
    properties: {
      text: { type: 'string', maxLength: 1_000_000 },
      chunks: { type: 'integer', minimum: 1, maximum: 10000, default: 1 },
      delayMs: { type: 'integer', minimum: 0, maximum: 1000 },
    },
    required: ['text'],
    additionalProperties: false,
  };
  readonly configSchema = {
    type: 'object',
    properties: {
      defaultDelayMs: { type: 'integer', minimum: 0, maximum: 1000 },
    },
    additionalProperties: false,
  };

  async *run({
    request,
    config,
    signal,
  }: ActionHandlerContext<EchoRequest, EchoConfig>): AsyncIterable<ActionChunkInput> {
    const delayMs = request.delayMs ?? config.defaultDelayMs ?? 0;
    const pieces = splitInto(request.text, request.chunks ?? 1);
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0 && delayMs > 0) await abortableDelay(delayMs, signal);
      if (signal.aborted) return;
      yield { mime: 'text/plain', text: pieces[i] };
    }
  }
}
