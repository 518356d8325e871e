import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/** One Server-Sent Event. `data` is sent as JSON unless it already is a string. */
export interface SseEvent {
  event?: string;
  data: unknown;
}

/** The wire form of one event; multi-line string data becomes several `data:` lines, as the format requires. */
export function encodeSseEvent({ event, data }: SseEvent): string {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  const lines = text.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`);
  return `${event !== undefined ? `event: ${event}\n` : ''}${lines.join('')}\n`;
}

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

  async send(event: SseEvent): Promise<void> {
    if (this.closed) return;
    if (this.raw.write(encodeSseEvent(event))) return;
    await new Promise<void>((resolve) => {
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
