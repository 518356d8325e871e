import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/** One Server-Sent Event. `data` is sent as JSON unless it already is a string. */
export interface SseEvent {
  event?: string;
  data: unknown;
}

/** The wire form of one event; multi-line string data becomes several `data:` lines, as the format requires. */
export function encodeSseEvent({ event, data }: SseEvent): string {
  const prefix = event !== undefined ? `event: ${event}\n` : '';
  // JSON text is always one line: JSON.stringify escapes every line break inside strings.
  if (typeof data !== 'string') return `${prefix}data: ${JSON.stringify(data)}\n\n`;
  const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`);
  return `${prefix}${lines.join('')}\n`;
}

/** What `send` answers when the write did not have to wait. */
const SENT: Promise<void> = Promise.resolve();

/**
 * A Server-Sent Events response written straight to the socket. Opening it
 * takes the reply away from Fastify (hijack) after copying the headers hooks
 * already set (request id, CORS). Writes respect back-pressure and become
 * no-ops once the client is gone.
 */
export class SseWriter {
  private constructor(private readonly raw: ServerResponse) {}

  static open(reply: FastifyReply, status = 200): SseWriter {
    const headers: Record<string, string | number | string[]> = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) headers[name] = value;
    }
    reply.hijack();
    const raw = reply.raw;
    // Each event is sent at once; Nagle's algorithm would hold small writes back.
    const socket = raw.socket;
    socket?.setNoDelay(true);
    // The headers leave at the end of this tick, together with any event written
    // meanwhile (often the first one): one packet instead of two.
    if (socket && !socket.writableCorked) {
      socket.cork();
      process.nextTick(() => socket.uncork());
    }
    raw.writeHead(status, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies such as nginx buffer responses unless told otherwise.
      'x-accel-buffering': 'no',
    });
    raw.flushHeaders();
    return new SseWriter(raw);
  }

  /** The client went away or the stream was ended. */
  get closed(): boolean {
    return this.raw.destroyed || this.raw.writableEnded;
  }

  /**
   * Writes an event; false when the client is slow and the caller should
   * wait for `drained()` before writing more. A no-op once the client is gone.
   */
  write(event: SseEvent): boolean {
    return this.closed || this.raw.write(encodeSseEvent(event));
  }

  /** `write` for a data-only event whose data is JSON text already (one line by construction). */
  writeJson(json: string): boolean {
    return this.closed || this.raw.write(`data: ${json}\n\n`);
  }

  /** Resolves when the client caught up (or left). */
  drained(): Promise<void> {
    if (this.closed || !this.raw.writableNeedDrain) return SENT;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.raw.off('drain', done);
        this.raw.off('close', done);
        resolve();
      };
      this.raw.on('drain', done);
      this.raw.on('close', done);
    });
  }

  end(): void {
    if (!this.closed) this.raw.end();
  }
}

/** Raised (as the abort reason) when the client closes the connection before the answer is complete. */
export class ClientClosedError extends Error {
  constructor() {
    super('The client closed the connection');
    this.name = 'ClientClosedError';
  }
}

/**
 * An AbortSignal that fires when the client disconnects before the response
 * finished: pass it to upstream calls so a gone client stops paying for them.
 */
export function abortOnClientClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const raw = reply.raw;
  raw.once('close', () => {
    if (!raw.writableFinished) controller.abort(new ClientClosedError());
  });
  return controller.signal;
}
