import OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
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
  const client = new OpenAI({
    // Every option the client would otherwise read from process.env is given explicitly:
    // a user's service must never pick up the operator's OPENAI_* variables.
    apiKey: conn.apiKey ?? 'no-key',
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    baseURL: conn.baseUrl,
    fetch: conn.fetch,
    maxRetries: 0,
    timeout: conn.timeoutMs,
    logLevel: 'off',
    // A keyless service sends no Authorization header at all.
    defaultHeaders: conn.apiKey === null ? { Authorization: null } : undefined,
  });
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
      const stream = await client.chat.completions.create(
        { ...body(params), stream: true, stream_options: { include_usage: true } },
        { signal },
      );
      return (async function* (): AsyncGenerator<ChatStreamEvent> {
        let content = '';
        let finishReason: string | null = null;
        let usage: ChatUsage = emptyUsage();
        for await (const chunk of stream) {
          if (chunk.usage) usage = fromOpenAiUsage(chunk.usage);
          const choice = chunk.choices[0];
          if (!choice) continue;
          if (choice.finish_reason) finishReason = choice.finish_reason;
          const text = choice.delta?.content;
          if (text) {
            content += text;
            yield { type: 'delta', text };
          }
        }
        signal.throwIfAborted();
        yield { type: 'done', completion: { content, finishReason, usage } };
      })();
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
