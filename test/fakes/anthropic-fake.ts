/**
 * A real HTTP server speaking Anthropic's Messages API wire format, scriptable per test.
 *
 *   const fake = await startAnthropicFake();
 *   const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: fake.sdkBaseURL });
 *   fake.script({ deltas: ['Hi', ' there'] });
 *
 * The official SDK appends `/v1/...` itself, so give it `sdkBaseURL` (the fake's URL without the
 * trailing `/v1`), not `url`.
 */
import {
  ChatRenderer,
  FakeDialect,
  FakeExchange,
  FakeServer,
  FakeServerOptions,
  ResolvedReply,
  startFakeServer,
} from './fake-script';

export type { FakeReply, FakeReplySource, FakeRequest, FakeRequestBody } from './fake-script';

export interface AnthropicFakeOptions extends FakeServerOptions {
  /** Models listed by `GET /models`; ids, or ids with display names. Default `claude-fake`, `claude-fake-mini`. */
  models?: Array<string | { id: string; displayName: string }>;
  /** When set, requests whose `x-api-key` (or `Authorization: Bearer`) differs get a 401. */
  apiKey?: string;
}

export interface AnthropicFake extends FakeServer {
  /** Value for the official SDK's `baseURL`: `url` without its trailing `/v1`. */
  readonly sdkBaseURL: string;
}

export const ANTHROPIC_FAKE_MODELS = [
  { id: 'claude-fake', displayName: 'Claude Fake' },
  { id: 'claude-fake-mini', displayName: 'Claude Fake Mini' },
];

const MODEL_CREATED_AT = '2024-01-01T00:00:00Z';
/** What Anthropic says in the `error` event of a stream it cannot finish for load. */
export const ANTHROPIC_STREAM_ERROR_MESSAGE = 'Overloaded';

function errorType(status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

function messageObject(
  reply: ResolvedReply,
  content: object[],
  stopReason: string | null,
  outputTokens: number,
) {
  return {
    id: `msg_fake${reply.seq}`,
    type: 'message',
    role: 'assistant',
    model: reply.model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: reply.usage.prompt,
      output_tokens: outputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  };
}

function messagesRenderer(stream: boolean): ChatRenderer {
  const event = (type: string, data: object = {}) => ({ event: type, data: { type, ...data } });
  return {
    stream,
    json: (reply) =>
      messageObject(reply, [{ type: 'text', text: reply.content }], 'end_turn', reply.usage.completion),
    streamStart: (reply) => [
      event('message_start', { message: messageObject(reply, [], null, 1) }),
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      event('ping'),
    ],
    streamDelta: (_reply, text) => [
      event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
    ],
    streamEnd: (reply) => [
      event('content_block_stop', { index: 0 }),
      event('message_delta', {
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: reply.usage.completion },
      }),
      event('message_stop'),
    ],
    // Anthropic's documented in-stream error: `event: error` with the error envelope, then the end.
    streamError: (_reply, message) => [
      event('error', {
        error: { type: 'overloaded_error', message: message ?? ANTHROPIC_STREAM_ERROR_MESSAGE },
      }),
    ],
  };
}

async function createMessage(exchange: FakeExchange): Promise<void> {
  const body = exchange.request.body;
  if (!body) return exchange.error(400, 'Request body must be a JSON object.');
  if (typeof body.model !== 'string' || body.model === '')
    return exchange.error(400, 'model: Field required');
  if (typeof body.max_tokens !== 'number') return exchange.error(400, 'max_tokens: Field required');
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return exchange.error(400, 'messages: Field required');
  }
  await exchange.chat(messagesRenderer(body.stream === true));
}

function anthropicDialect(
  models: Array<{ id: string; displayName: string }>,
  apiKey: string | undefined,
): FakeDialect {
  const modelObject = (model: { id: string; displayName: string }) => ({
    type: 'model',
    id: model.id,
    display_name: model.displayName,
    created_at: MODEL_CREATED_AT,
  });
  return {
    requestIdHeader: 'request-id',
    errorBody: (status, message, requestId) => ({
      type: 'error',
      error: { type: errorType(status), message },
      request_id: requestId,
    }),
    async handle(route, exchange) {
      const { method, headers } = exchange.request;
      if (
        apiKey !== undefined &&
        headers['x-api-key'] !== apiKey &&
        headers.authorization !== `Bearer ${apiKey}`
      ) {
        exchange.error(401, 'invalid x-api-key');
        return true;
      }
      if (!headers['anthropic-version']) {
        exchange.error(400, 'anthropic-version: header is required');
        return true;
      }
      if (method === 'GET' && route === '/models') {
        exchange.json(200, {
          data: models.map(modelObject),
          has_more: false,
          first_id: models[0]?.id ?? null,
          last_id: models[models.length - 1]?.id ?? null,
        });
        return true;
      }
      const modelMatch = /^\/models\/([^/]+)$/.exec(route);
      if (method === 'GET' && modelMatch) {
        const model = models.find((m) => m.id === decodeURIComponent(modelMatch[1]));
        if (model) exchange.json(200, modelObject(model));
        else exchange.error(404, `model: ${decodeURIComponent(modelMatch[1])}`);
        return true;
      }
      if (method === 'POST' && route === '/messages') {
        await createMessage(exchange);
        return true;
      }
      return false;
    },
  };
}

/** Start an Anthropic-compatible fake on 127.0.0.1 (random port unless `port` is given). */
export async function startAnthropicFake(opts: AnthropicFakeOptions = {}): Promise<AnthropicFake> {
  const models = (opts.models ?? ANTHROPIC_FAKE_MODELS).map((m) =>
    typeof m === 'string' ? { id: m, displayName: m } : m,
  );
  const server = await startFakeServer(opts, anthropicDialect(models, opts.apiKey));
  return Object.assign(server, { sdkBaseURL: server.url.replace(/\/v1$/, '') });
}
