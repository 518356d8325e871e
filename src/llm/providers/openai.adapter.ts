import OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import { ProviderEventStream, SseEventMapper, streamBodyOf } from './provider-event-stream';
import type { SseMessage } from './sse-reader';
import {
  ChatCompletion,
  ChatParams,
  ChatStreamEvent,
  ChatUsage,
  emptyUsage,
  LlmProviderAdapter,
  ProviderConnection,
} from './provider-adapter';

/** Providers `openai` and `openai-compatible`, through the official client. */
export function createOpenAiAdapter(conn: ProviderConnection): LlmProviderAdapter {
  const options = (fetch: typeof globalThis.fetch): ConstructorParameters<typeof OpenAI>[0] => ({
    // Every option the client would otherwise read from process.env is given explicitly:
    // a user's service must never pick up the operator's OPENAI_* variables.
    apiKey: conn.apiKey ?? 'no-key',
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    baseURL: conn.baseUrl,
    fetch,
    maxRetries: 0,
    timeout: conn.timeoutMs,
    logLevel: 'off',
    // A keyless service sends no Authorization header at all.
    defaultHeaders: conn.apiKey === null ? { Authorization: null } : undefined,
  });
  const client = new OpenAI(options(conn.fetch));
  // Streams go through the fetch that keeps a successful body as a Node stream (see stream()).
  const streamingClient = new OpenAI(options(conn.streamFetch));
  // OpenAI's newer models refuse max_tokens; compatible servers mostly know only max_tokens.
  const limit = (maxTokens: number | undefined): Partial<ChatCompletionCreateParamsBase> =>
    maxTokens === undefined
      ? {}
      : conn.provider === 'openai'
        ? { max_completion_tokens: maxTokens }
        : { max_tokens: maxTokens };
  const body = (p: ChatParams): ChatCompletionCreateParamsBase => ({
    model: p.model,
    messages: p.messages as ChatCompletionMessageParam[],
    ...(p.temperature !== undefined ? { temperature: p.temperature } : {}),
    ...(p.topP !== undefined ? { top_p: p.topP } : {}),
    ...(p.stop !== undefined ? { stop: p.stop } : {}),
    ...limit(p.maxTokens),
  });

  return {
    async complete(params, signal): Promise<ChatCompletion> {
      const res = await client.chat.completions.create({ ...body(params), stream: false }, { signal });
      const choice = res.choices[0];
      return {
        content: choice?.message?.content ?? '',
        finishReason: choice?.finish_reason ?? null,
        usage: fromOpenAiUsage(res.usage),
      };
    },

    async stream(params, signal): Promise<AsyncIterable<ChatStreamEvent>> {
      // The official client builds and sends the request and turns an error status into its
      // typed error; the event stream itself is read here, from the Node stream the streaming
      // fetch keeps aside, with no async layer per event.
      const response = await streamingClient.chat.completions
        .create({ ...body(params), stream: true, stream_options: { include_usage: true } }, { signal })
        .asResponse();
      const raw = streamBodyOf(response);
      if (!raw) throw new OpenAI.APIConnectionError({ message: 'The provider sent no body' });
      return new ProviderEventStream(raw, new OpenAiChunkMapper(response.headers), signal);
    },
  };
}

function fromOpenAiUsage(usage: CompletionUsage | undefined | null): ChatUsage {
  if (!usage) return emptyUsage();
  return {
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    totalTokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens,
  };
}

/**
 * OpenAI's chat.completion.chunk stream, with the official client's
 * semantics: `[DONE]` ends it, `thread.*` events are not ours, a `data`
 * object with an `error` is thrown as the client's APIError.
 */
class OpenAiChunkMapper implements SseEventMapper {
  /** `[DONE]` was seen: later events are ignored. */
  private sawDone = false;
  private content = '';
  private finishReason: string | null = null;
  private usage: ChatUsage = emptyUsage();

  constructor(private readonly headers: Headers) {}

  onMessage(message: SseMessage, out: ChatStreamEvent[]): void {
    if (this.sawDone) return;
    if (message.data.startsWith('[DONE]')) {
      this.sawDone = true;
      return;
    }
    if (message.event !== null && message.event.startsWith('thread.')) return;
    const chunk = JSON.parse(message.data) as StreamChunk | null;
    if (chunk?.error) throw new OpenAI.APIError(undefined, chunk.error, undefined, this.headers);
    if (!chunk) return;
    if (chunk.usage) this.usage = fromOpenAiUsage(chunk.usage);
    const choice = chunk.choices?.[0];
    if (!choice) return;
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    const text = choice.delta?.content;
    if (text) {
      this.content += text;
      out.push({ type: 'delta', text });
    }
  }

  completion(): ChatCompletion {
    return { content: this.content, finishReason: this.finishReason, usage: this.usage };
  }
}

/** The parts of a `chat.completion.chunk` (or an error event) the stream reads. */
interface StreamChunk {
  error?: object;
  usage?: CompletionUsage | null;
  choices?: { finish_reason?: string | null; delta?: { content?: string | null } }[];
}
