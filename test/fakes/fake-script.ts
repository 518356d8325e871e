/**
 * Shared machinery for the fake LLM provider servers (OpenAI and Anthropic).
 *
 * A fake is a real `node:http` server on 127.0.0.1 that records every request and answers chat
 * requests from a FIFO queue of scripted replies (falling back to a default reply). The transport
 * behaviour (delays, errors, hangs, dropped sockets, redirects, client-abort detection) lives here;
 * each provider module only supplies its routes and its wire format (a {@link FakeDialect}).
 */
import { createServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';

/** What a fake answers to one chat request. Every field is optional. */
export interface FakeReply {
  /** Streamed text deltas, in order. Defaults to `[content]` when only `content` is given. */
  deltas?: string[];
  /** Full text of a non-streamed answer. Defaults to `deltas.join('')`. */
  content?: string;
  /** Token usage to report. Defaults: prompt = word count of the request, completion = number of deltas. */
  usage?: { prompt?: number; completion?: number };
  /** Wait this long before sending the first byte (status line included). */
  delayMs?: number;
  /** Wait this long between two streamed deltas. */
  interDeltaMs?: number;
  /** HTTP status. A value >= 400 answers an error in the provider's shape instead of a completion. */
  status?: number;
  /** Error body sent verbatim (instead of the provider-shaped default) when `status` >= 400. */
  errorBody?: object;
  /** Message of the provider-shaped default error body. */
  errorMessage?: string;
  /** Extra response headers, e.g. `{ 'retry-after': '1' }`. */
  headers?: Record<string, string>;
  /** Read the request, then never answer, keeping the socket open until the client (or `close()`) ends it. */
  hang?: boolean;
  /**
   * Destroy the socket after sending this many deltas of a streamed answer (0: right after the
   * opening events). A non-streamed request has its socket destroyed without any answer.
   */
  dropAfterDeltas?: number;
  /**
   * After sending this many deltas of a streamed answer (0: right after the opening events), send
   * the provider's own in-stream error event instead of the rest, then end the response normally
   * (status 200 already sent): OpenAI `data: {"error":{…,"type":"server_error"}}` then
   * `data: [DONE]`, Anthropic `event: error` with an `overloaded_error`. A count at or past the
   * number of deltas sends the error in place of the closing events. A non-streamed request is
   * answered with a 500 in the provider's error shape instead. When `dropAfterDeltas` is also
   * set, whichever comes first applies (the drop on a tie).
   */
  errorAfterDeltas?: number;
  /** Message of the in-stream error event sent by `errorAfterDeltas`; default the provider's usual one. */
  streamErrorMessage?: string;
  /** Answer `307 Temporary Redirect` with this `Location`. */
  redirectTo?: string;
}

/** A reply, or a function computing one from the request it answers. */
export type FakeReplySource = FakeReply | ((request: FakeRequest) => FakeReply);

export interface FakeMessage {
  role?: string;
  content?: unknown;
  [key: string]: unknown;
}

/** Parsed JSON request body; the fields tests usually look at are typed, anything else is `unknown`. */
export interface FakeRequestBody {
  model?: string;
  messages?: FakeMessage[];
  system?: unknown;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  temperature?: number;
  max_tokens?: number;
  [key: string]: unknown;
}

/** One request as received by a fake. */
export interface FakeRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  query: Record<string, string>;
  /** Lower-cased header names, as Node delivers them. */
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; `undefined` when the body is empty or not JSON. */
  body: FakeRequestBody | undefined;
}

export interface FakeServerOptions {
  /** Port to listen on; 0 or omitted picks a free one. */
  port?: number;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** Path prefix of every route; default `/v1`. */
  basePath?: string;
}

/** The part of the API both fakes share. */
export interface FakeServer {
  /** Base URL including the base path, e.g. `http://127.0.0.1:41234/v1`. */
  readonly url: string;
  /** Scheme, host and port only, e.g. `http://127.0.0.1:41234`. */
  readonly origin: string;
  readonly port: number;
  /** Every request received since start (or the last `reset()`), in arrival order. */
  readonly requests: FakeRequest[];
  /** Requests whose client closed the connection before the fake finished answering. */
  readonly closedConnections: number;
  /** TCP connections accepted since start (keep-alive reuse shows as fewer connections than requests). */
  readonly acceptedConnections: number;
  /** Queue replies for the next chat requests (first in, first out). */
  script(...replies: FakeReplySource[]): void;
  /** Reply used when the queue is empty. */
  setDefault(reply: FakeReplySource): void;
  /**
   * Forget requests, queued replies and closed-connection count, restore the initial default
   * reply, and silently end any answer still in progress (e.g. hung requests).
   */
  reset(): void;
  /**
   * Resolves (with `closedConnections`) at the next client-side close not yet waited for: a close
   * that happened after the previous resolved wait (or `reset()`) resolves at once, otherwise the
   * promise waits for one. Rejects after `timeoutMs` (default 2000).
   */
  waitForClosedConnection(timeoutMs?: number): Promise<number>;
  /** Destroy every open socket (hung ones included) and stop listening. */
  close(): Promise<void>;
}

/** Token usage resolved for one reply. */
export interface FakeUsage {
  prompt: number;
  completion: number;
}

/** A scripted reply after defaults have been applied; what a dialect renders. */
export interface ResolvedReply {
  /** Sequence number of this chat request on this fake (1-based), handy for ids. */
  seq: number;
  model: string;
  deltas: string[];
  content: string;
  usage: FakeUsage;
  request: FakeRequest;
}

/** One server-sent event. `data` is JSON-encoded unless it already is a string. */
export interface SseFrame {
  event?: string;
  data: unknown;
}

/** How a dialect renders a chat reply, both ways. */
export interface ChatRenderer {
  stream: boolean;
  json(reply: ResolvedReply): object;
  /** Events sent before the first delta. */
  streamStart(reply: ResolvedReply): SseFrame[];
  streamDelta(reply: ResolvedReply, text: string, index: number): SseFrame[];
  /** Events sent after the last delta. */
  streamEnd(reply: ResolvedReply): SseFrame[];
  /**
   * The provider's in-stream error, sent instead of the remaining deltas and the closing events
   * (see `FakeReply.errorAfterDeltas`); `message` is the scripted one, if any.
   */
  streamError(reply: ResolvedReply, message: string | undefined): SseFrame[];
}

/** The per-request handle a dialect answers through. */
export interface FakeExchange {
  readonly request: FakeRequest;
  json(status: number, body: unknown, headers?: Record<string, string>): void;
  /** Answer a provider-shaped error. */
  error(status: number, message: string, headers?: Record<string, string>): void;
  /** Take the next scripted reply and answer it with `renderer`. */
  chat(renderer: ChatRenderer): Promise<void>;
}

/** What makes a fake speak one provider's API. */
export interface FakeDialect {
  /** Name of the response header carrying a request id, e.g. `x-request-id`. */
  requestIdHeader: string;
  /** Provider-shaped error body for a status. */
  errorBody(status: number, message: string, requestId: string): object;
  /**
   * Answer `exchange`. `route` is the request path relative to the base path (e.g. `/models`).
   * Return false when no route matches (the fake then answers a 404).
   */
  handle(route: string, exchange: FakeExchange): boolean | Promise<boolean>;
}

export const DEFAULT_REPLY: FakeReply = { deltas: ['Hello', ' from', ' the fake'] };

const DEFAULT_WAIT_MS = 2000;

/** Split text into word deltas that concatenate back to it: `'a b c'` → `['a', ' b', ' c']`. */
export function wordDeltas(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** Plain text of a message content: a string, or an array of parts/blocks carrying `text`. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) =>
      part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string'
        ? (part as { text: string }).text
        : '',
    )
    .filter((text) => text.length > 0)
    .join(' ');
}

/** Text of the last `user` message of a chat request body, or `''`. */
export function lastUserText(body: FakeRequestBody | undefined): string {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === 'user') return contentText(messages[i].content);
  }
  return '';
}

/** Deterministic prompt-token count: the number of words in the system prompt and all message contents. */
export function countPromptTokens(body: FakeRequestBody | undefined): number {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  const texts = [contentText(body?.system), ...messages.map((message) => contentText(message?.content))];
  return texts.reduce((sum, text) => sum + (text.match(/\S+/g)?.length ?? 0), 0);
}

/** Apply the defaults of a scripted reply. */
export function resolveReply(reply: FakeReply, request: FakeRequest, seq: number): ResolvedReply {
  const deltas = reply.deltas ?? (reply.content !== undefined ? [reply.content] : []);
  return {
    seq,
    model: typeof request.body?.model === 'string' ? request.body.model : 'unknown',
    deltas,
    content: reply.content ?? deltas.join(''),
    usage: {
      prompt: reply.usage?.prompt ?? countPromptTokens(request.body),
      completion: reply.usage?.completion ?? deltas.length,
    },
    request,
  };
}

function encodeFrame(frame: SseFrame): string {
  const data = typeof frame.data === 'string' ? frame.data : JSON.stringify(frame.data);
  return `${frame.event !== undefined ? `event: ${frame.event}\n` : ''}data: ${data}\n\n`;
}

function normalizeBasePath(basePath: string): string {
  const trimmed = basePath.replace(/\/+$/, '');
  return trimmed === '' || trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** State of one response while the fake is answering it. */
class InFlight {
  /** The socket is gone (whoever closed it). */
  closed = false;
  /** The fake itself ended the socket (drop, reset, close): not a client-side close. */
  endedByFake = false;
  private readonly wakers = new Set<() => void>();

  constructor(readonly res: ServerResponse) {}

  markClosed(): void {
    this.closed = true;
    for (const wake of this.wakers) wake();
    this.wakers.clear();
  }

  /** Sleep, returning early when the socket closes. */
  sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  write(chunk: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.res.write(chunk, () => resolve());
    });
  }

  destroy(): void {
    this.endedByFake = true;
    this.res.destroy();
  }
}

/** Start a fake speaking `dialect`. The provider modules wrap this. */
export async function startFakeServer(options: FakeServerOptions, dialect: FakeDialect): Promise<FakeServer> {
  const host = options.host ?? '127.0.0.1';
  const basePath = normalizeBasePath(options.basePath ?? '/v1');
  const requests: FakeRequest[] = [];
  const queue: FakeReplySource[] = [];
  const sockets = new Set<Socket>();
  const inFlight = new Set<InFlight>();
  let defaultReply: FakeReplySource = DEFAULT_REPLY;
  let closedConnections = 0;
  let acceptedConnections = 0;
  let waitedClosed = 0;
  let closeWaiters: Array<() => void> = [];
  let requestSeq = 0;
  let chatSeq = 0;

  const onClientClose = (): void => {
    closedConnections++;
    const waiters = closeWaiters;
    closeWaiters = [];
    for (const waiter of waiters) waiter();
  };

  const nextReply = (request: FakeRequest): FakeReply => {
    const source = queue.shift() ?? defaultReply;
    return typeof source === 'function' ? source(request) : source;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const flight = new InFlight(res);
    inFlight.add(flight);
    res.on('close', () => {
      inFlight.delete(flight);
      flight.markClosed();
      if (!res.writableFinished && !flight.endedByFake) onClientClose();
    });

    const rawBody = await readBody(req);
    if (flight.closed) return;
    const parsedUrl = new URL(req.url ?? '/', 'http://fake.local');
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      path: parsedUrl.pathname,
      query: Object.fromEntries(parsedUrl.searchParams),
      headers: req.headers,
      body: parseJsonObject(rawBody),
    };
    requests.push(request);
    const requestId = `req_fake_${++requestSeq}`;
    res.setHeader(dialect.requestIdHeader, requestId);

    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      if (flight.closed) return;
      res.writeHead(status, { ...headers, 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, message: string, headers?: Record<string, string>): void =>
      json(status, dialect.errorBody(status, message, requestId), headers);

    const chat = async (renderer: ChatRenderer): Promise<void> => {
      const reply = nextReply(request);
      const resolved = resolveReply(reply, request, ++chatSeq);
      const headers = reply.headers ?? {};
      if (reply.hang) return;
      await flight.sleep(reply.delayMs ?? 0);
      if (flight.closed) return;
      if (reply.redirectTo !== undefined) {
        res.writeHead(307, { ...headers, location: reply.redirectTo, 'content-length': '0' });
        res.end();
        return;
      }
      if (reply.status !== undefined && reply.status >= 400) {
        if (reply.errorBody !== undefined) json(reply.status, reply.errorBody, headers);
        else error(reply.status, reply.errorMessage ?? defaultErrorMessage(reply.status), headers);
        return;
      }
      const status = reply.status ?? 200;
      if (!renderer.stream) {
        if (reply.dropAfterDeltas !== undefined) flight.destroy();
        else if (reply.errorAfterDeltas !== undefined)
          error(500, reply.streamErrorMessage ?? defaultErrorMessage(500), headers);
        else json(status, renderer.json(resolved), headers);
        return;
      }
      res.writeHead(status, {
        ...headers,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      res.flushHeaders();
      const send = (frames: SseFrame[]): Promise<void> => flight.write(frames.map(encodeFrame).join(''));
      const { dropAfterDeltas, errorAfterDeltas } = reply;
      const drops =
        dropAfterDeltas !== undefined &&
        dropAfterDeltas < resolved.deltas.length &&
        (errorAfterDeltas === undefined || dropAfterDeltas <= errorAfterDeltas);
      const deltaCount = Math.min(
        resolved.deltas.length,
        drops ? dropAfterDeltas : (errorAfterDeltas ?? Infinity),
      );
      await send(renderer.streamStart(resolved));
      for (let i = 0; i < deltaCount; i++) {
        if (i > 0) await flight.sleep(reply.interDeltaMs ?? 0);
        if (flight.closed) return;
        await send(renderer.streamDelta(resolved, resolved.deltas[i], i));
      }
      if (flight.closed) return;
      if (drops) {
        flight.destroy();
        return;
      }
      await send(
        errorAfterDeltas !== undefined
          ? renderer.streamError(resolved, reply.streamErrorMessage)
          : renderer.streamEnd(resolved),
      );
      if (!flight.closed) res.end();
    };

    const exchange: FakeExchange = { request, json, error, chat };
    const route = routeOf(request.path, basePath);
    const handled = route !== undefined && (await dialect.handle(route, exchange));
    if (!handled) error(404, `Unknown request URL: ${request.method} ${request.path}`);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        const message = err instanceof Error ? err.message : String(err);
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(dialect.errorBody(500, `Fake server failure: ${message}`, 'req_fake_error')));
      } else {
        res.destroy();
      }
    });
  });
  server.on('connection', (socket: Socket) => {
    acceptedConnections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const endInFlight = (): void => {
    for (const flight of inFlight) flight.destroy();
  };

  return {
    url: `${origin}${basePath}`,
    origin,
    port,
    requests,
    get closedConnections() {
      return closedConnections;
    },
    get acceptedConnections() {
      return acceptedConnections;
    },
    script(...replies: FakeReplySource[]) {
      queue.push(...replies);
    },
    setDefault(reply: FakeReplySource) {
      defaultReply = reply;
    },
    reset() {
      endInFlight();
      requests.length = 0;
      queue.length = 0;
      defaultReply = DEFAULT_REPLY;
      closedConnections = 0;
      waitedClosed = 0;
    },
    waitForClosedConnection(timeoutMs = DEFAULT_WAIT_MS) {
      return new Promise<number>((resolve, reject) => {
        const settle = (): boolean => {
          if (closedConnections <= waitedClosed) return false;
          waitedClosed++;
          resolve(closedConnections);
          return true;
        };
        if (settle()) return;
        const waiter = (): void => {
          if (!settle()) {
            closeWaiters.push(waiter);
            return;
          }
          clearTimeout(timer);
        };
        const timer = setTimeout(() => {
          closeWaiters = closeWaiters.filter((w) => w !== waiter);
          reject(new Error(`No client-side connection close within ${timeoutMs} ms`));
        }, timeoutMs);
        closeWaiters.push(waiter);
      });
    },
    async close() {
      endInFlight();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function routeOf(path: string, basePath: string): string | undefined {
  if (basePath === '') return path;
  if (path === basePath) return '/';
  return path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function parseJsonObject(raw: string): FakeRequestBody | undefined {
  if (raw.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as FakeRequestBody)
      : undefined;
  } catch {
    return undefined;
  }
}

function defaultErrorMessage(status: number): string {
  switch (status) {
    case 400:
      return 'Invalid request.';
    case 401:
      return 'Invalid API key.';
    case 403:
      return 'Permission denied.';
    case 404:
      return 'Not found.';
    case 429:
      return 'Rate limit reached. Please try again later.';
    case 529:
      return 'Overloaded.';
    default:
      return status >= 500 ? 'The server had an error while processing your request.' : `HTTP ${status}`;
  }
}
