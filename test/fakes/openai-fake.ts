/**
 * A real HTTP server speaking OpenAI's Chat Completions wire format, scriptable per test.
 *
 *   const fake = await startOpenAiFake();
 *   const client = new OpenAI({ apiKey: 'sk-test', baseURL: fake.url });
 *   fake.script({ deltas: ['Hi', ' there'] });
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

export interface OpenAiFakeOptions extends FakeServerOptions {
  /** Model ids listed by `GET /models`; default `['gpt-fake', 'gpt-fake-mini']`. */
  models?: string[];
  /** When set, requests whose `Authorization: Bearer <key>` differs get a 401. */
  apiKey?: string;
}

export type OpenAiFake = FakeServer;

export const OPENAI_FAKE_MODELS = ['gpt-fake', 'gpt-fake-mini'];

const SYSTEM_FINGERPRINT = 'fp_fake';
/** What OpenAI says when a streamed completion fails on its side after the 200. */
export const OPENAI_STREAM_ERROR_MESSAGE =
  'The server had an error while processing your request. Sorry about that!';
/** Fixed creation time of the listed models (2024-01-01T00:00:00Z). */
const MODEL_CREATED = 1704067200;

function errorType(status: number): { type: string; code: string | null } {
  if (status === 401) return { type: 'invalid_request_error', code: 'invalid_api_key' };
  if (status === 404) return { type: 'invalid_request_error', code: 'model_not_found' };
  if (status === 429) return { type: 'requests', code: 'rate_limit_exceeded' };
  if (status >= 500) return { type: 'server_error', code: null };
  return { type: 'invalid_request_error', code: null };
}

function modelObject(id: string): object {
  return { id, object: 'model', created: MODEL_CREATED, owned_by: 'threadline-fake' };
}

function chatRenderer(stream: boolean, includeUsage: boolean): ChatRenderer {
  const created = Math.floor(Date.now() / 1000);
  const usageOf = (reply: ResolvedReply) => ({
    prompt_tokens: reply.usage.prompt,
    completion_tokens: reply.usage.completion,
    total_tokens: reply.usage.prompt + reply.usage.completion,
  });
  const chunk = (reply: ResolvedReply, delta: object, finishReason: string | null) => ({
    id: `chatcmpl-fake${reply.seq}`,
    object: 'chat.completion.chunk',
    created,
    model: reply.model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  });
  return {
    stream,
    json: (reply) => ({
      id: `chatcmpl-fake${reply.seq}`,
      object: 'chat.completion',
      created,
      model: reply.model,
      system_fingerprint: SYSTEM_FINGERPRINT,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: reply.content, refusal: null },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: usageOf(reply),
    }),
    streamStart: (reply) => [{ data: chunk(reply, { role: 'assistant', content: '' }, null) }],
    streamDelta: (reply, text) => [{ data: chunk(reply, { content: text }, null) }],
    streamEnd: (reply) => [
      { data: chunk(reply, {}, 'stop') },
      ...(includeUsage
        ? [
            {
              data: {
                id: `chatcmpl-fake${reply.seq}`,
                object: 'chat.completion.chunk',
                created,
                model: reply.model,
                system_fingerprint: SYSTEM_FINGERPRINT,
                choices: [],
                usage: usageOf(reply),
              },
            },
          ]
        : []),
      { data: '[DONE]' },
    ],
    // As captured from OpenAI (e.g. sashabaranov/go-openai#396): a data-only error object, no
    // `event:` line, then [DONE]. The official client throws an APIError at the error object.
    streamError: (_reply, message) => [
      {
        data: {
          error: {
            message: message ?? OPENAI_STREAM_ERROR_MESSAGE,
            type: 'server_error',
            param: null,
            code: null,
          },
        },
      },
      { data: '[DONE]' },
    ],
  };
}

async function chatCompletions(exchange: FakeExchange): Promise<void> {
  const body = exchange.request.body;
  if (!body) return exchange.error(400, 'We could not parse the JSON body of your request.');
  if (typeof body.model !== 'string' || body.model === '') {
    return exchange.error(400, "Missing required parameter: 'model'.");
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return exchange.error(400, "Missing required parameter: 'messages'.");
  }
  const stream = body.stream === true;
  await exchange.chat(chatRenderer(stream, stream && body.stream_options?.include_usage === true));
}

function openAiDialect(models: string[], apiKey: string | undefined): FakeDialect {
  return {
    requestIdHeader: 'x-request-id',
    errorBody: (status, message) => ({ error: { message, ...errorType(status), param: null } }),
    async handle(route, exchange) {
      const { method, headers } = exchange.request;
      if (apiKey !== undefined && headers.authorization !== `Bearer ${apiKey}`) {
        exchange.error(401, 'Incorrect API key provided.');
        return true;
      }
      if (method === 'GET' && route === '/models') {
        exchange.json(200, { object: 'list', data: models.map(modelObject) });
        return true;
      }
      const modelMatch = /^\/models\/([^/]+)$/.exec(route);
      if (method === 'GET' && modelMatch) {
        const id = decodeURIComponent(modelMatch[1]);
        if (models.includes(id)) exchange.json(200, modelObject(id));
        else exchange.error(404, `The model '${id}' does not exist`);
        return true;
      }
      if (method === 'POST' && route === '/chat/completions') {
        await chatCompletions(exchange);
        return true;
      }
      return false;
    },
  };
}

/** Start an OpenAI-compatible fake on 127.0.0.1 (random port unless `port` is given). */
export function startOpenAiFake(opts: OpenAiFakeOptions = {}): Promise<OpenAiFake> {
  return startFakeServer(opts, openAiDialect(opts.models ?? OPENAI_FAKE_MODELS, opts.apiKey));
}
