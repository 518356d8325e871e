import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { takeNodeBody } from '../egress/egress-guard';
import type { ChatCompletion, ChatStreamEvent } from './provider-adapter';
import { SseMessage, SseParser } from './sse-reader';

/**
 * The body of a streamed answer as a Node stream: the one the streaming fetch
 * kept aside (`takeNodeBody`), else the Response's own body; null when none.
 */
export function streamBodyOf(response: Response): Readable | null {
  const kept = takeNodeBody(response);
  if (kept) return kept;
  return response.body ? Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>) : null;
}

/** What one provider's event stream means: its events in, ours out. */
export interface SseEventMapper {
  /**
   * One event as the provider sent it; appends what it means to `out`.
   * Throws (the provider's error event, malformed JSON) to fail the stream.
   */
  onMessage(message: SseMessage, out: ChatStreamEvent[]): void;
  /** The whole answer, once the body ended. */
  completion(): ChatCompletion;
}

const END: IteratorReturnResult<undefined> = { value: undefined, done: true };
/** Events queued before the provider's socket is paused (a slow consumer), and resumed at. */
const HIGH_WATER = 256;
const LOW_WATER = 16;
/** The most a streamed answer may send (a long answer is a few MB with the per-delta JSON). */
export const MAX_STREAM_BYTES = 64 * 1024 * 1024;

/** A streamed answer longer than `MAX_STREAM_BYTES`: the stream is stopped there. */
export class StreamTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`the provider's stream exceeds ${limitBytes} bytes`);
    this.name = 'StreamTooLargeError';
  }
}

/**
 * The events of one streamed completion, read from the raw response body (a
 * Node stream, see `takeNodeBody`): each network chunk is parsed as it
 * arrives, without a promise, into as many events as it holds; `next()`
 * answers from that queue. Events received before a failure are delivered
 * before it; an aborted request throws the signal's reason instead of ending
 * quietly; the last event is `done` with the mapper's completion. Stopping
 * early (`return`) destroys the body, which aborts the request.
 */
export class ProviderEventStream implements AsyncIterableIterator<ChatStreamEvent> {
  private readonly parser = new SseParser();
  private readonly messages: SseMessage[] = [];
  private queue: ChatStreamEvent[] = [];
  private head = 0;
  private receivedBytes = 0;
  /** Nothing more will be queued: the body ended, failed, or the consumer stopped. */
  private ended = false;
  private failure: { error: unknown } | null = null;
  private waiter: {
    resolve: (result: IteratorResult<ChatStreamEvent>) => void;
    reject: (err: unknown) => void;
  } | null = null;

  constructor(
    private readonly body: Readable,
    private readonly mapper: SseEventMapper,
    private readonly signal: AbortSignal,
    private readonly maxBytes = MAX_STREAM_BYTES,
  ) {
    body.on('data', this.onData);
    body.once('end', this.onEnd);
    // `on`, not `once`: destroying an unfinished undici body emits an error of its own.
    body.on('error', this.onError);
    body.once('close', this.onClose);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<ChatStreamEvent>> {
    if (this.head < this.queue.length) return Promise.resolve({ value: this.take(), done: false });
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.ended) return Promise.resolve(END);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<ChatStreamEvent>> {
    this.ended = true;
    this.queue = [];
    this.head = 0;
    this.body.destroy();
    return Promise.resolve(END);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.ended) return;
    this.receivedBytes += chunk.length;
    if (this.receivedBytes > this.maxBytes) {
      this.fail(new StreamTooLargeError(this.maxBytes));
      return;
    }
    try {
      this.parser.push(chunk, this.messages);
      this.consume();
    } catch (err) {
      this.fail(err);
      return;
    }
    if (this.queue.length - this.head > HIGH_WATER) this.body.pause();
    this.wake();
  };

  private readonly onEnd = (): void => {
    if (this.ended) return;
    try {
      this.parser.end(this.messages);
      this.consume();
      this.signal.throwIfAborted();
      this.queue.push({ type: 'done', completion: this.mapper.completion() });
    } catch (err) {
      this.fail(err);
      return;
    }
    this.ended = true;
    this.wake();
  };

  private readonly onError = (err: unknown): void => {
    this.fail(this.signal.aborted ? this.signal.reason : err);
  };

  private readonly onClose = (): void => {
    // Closed before its end without an error event: the provider went away mid-stream.
    if (!this.ended) this.fail(new Error('The provider closed the stream before its end'));
  };

  private fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = { error };
    this.body.destroy();
    this.wake();
  }

  /** Answers a waiting `next()` with the next event, the failure, or the end. */
  private wake(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    if (this.head < this.queue.length) {
      this.waiter = null;
      waiter.resolve({ value: this.take(), done: false });
    } else if (this.failure) {
      this.waiter = null;
      waiter.reject(this.failure.error);
    } else if (this.ended) {
      this.waiter = null;
      waiter.resolve(END);
    }
  }

  private take(): ChatStreamEvent {
    const event = this.queue[this.head++];
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
      if (this.body.isPaused() && !this.ended) this.body.resume();
    } else if (this.queue.length - this.head === LOW_WATER && this.body.isPaused()) {
      this.body.resume();
    }
    return event;
  }

  private consume(): void {
    try {
      for (const message of this.messages) this.mapper.onMessage(message, this.queue);
    } finally {
      this.messages.length = 0;
    }
  }
}
