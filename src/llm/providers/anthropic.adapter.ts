import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsBase, MessageParam } from '@anthropic-ai/sdk/resources/messages';
import {
  ChatCompletion,
  ChatParams,
  ChatStreamEvent,
  LlmProviderAdapter,
  ProviderConnection,
} from './provider-adapter';

/** Anthropic requires a completion limit; this one applies when the caller gives none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

const FINISH_REASONS: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/** Provider `anthropic`, through the official client (Messages API). */
export function createAnthropicAdapter(conn: ProviderConnection): LlmProviderAdapter {
  if (conn.apiKey === null) throw new Error('an Anthropic service needs an API key');
  const client = new Anthropic({
    // Passing the key explicitly keeps the client from reading ANTHROPIC_* variables or profiles.
    apiKey: conn.apiKey,
    baseURL: conn.baseUrl,
    fetch: conn.fetch,
    maxRetries: 0,
    timeout: conn.timeoutMs,
    logLevel: 'off',
  });

  const body = (p: ChatParams): MessageCreateParamsBase => {
    const system = p.messages
      .filter((m) => m.role === 'system')
      .map((m) => m.content)
      .join('\n\n');
    const messages: MessageParam[] = p.messages
      .filter((m) => m.role !== 'system')
      .map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content }));
    return {
      model: p.model,
      max_tokens: p.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
      messages,
      ...(system ? { system } : {}),
      ...(p.temperature !== undefined ? { temperature: Math.min(p.temperature, 1) } : {}),
      ...(p.topP !== undefined ? { top_p: p.topP } : {}),
      ...(p.stop !== undefined ? { stop_sequences: p.stop } : {}),
    };
  };

  return {
    async complete(params, signal): Promise<ChatCompletion> {
      const res = await client.messages.create({ ...body(params), stream: false }, { signal });
      const content = res.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
      const prompt = res.usage.input_tokens;
      const completion = res.usage.output_tokens;
      return {
        content,
        finishReason: res.stop_reason ? (FINISH_REASONS[res.stop_reason] ?? res.stop_reason) : null,
        usage: { promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion },
      };
    },

    async stream(params, signal): Promise<AsyncIterable<ChatStreamEvent>> {
      const stream = await client.messages.create({ ...body(params), stream: true }, { signal });
      return (async function* (): AsyncGenerator<ChatStreamEvent> {
        let content = '';
        let finishReason: string | null = null;
        let prompt = 0;
        let completion = 0;
        for await (const event of stream) {
          switch (event.type) {
            case 'message_start':
              prompt = event.message.usage.input_tokens;
              completion = event.message.usage.output_tokens;
              break;
            case 'content_block_delta':
              if (event.delta.type === 'text_delta' && event.delta.text) {
                content += event.delta.text;
                yield { type: 'delta', text: event.delta.text };
              }
              break;
            case 'message_delta':
              completion = event.usage.output_tokens;
              if (event.delta.stop_reason) {
                finishReason = FINISH_REASONS[event.delta.stop_reason] ?? event.delta.stop_reason;
              }
              break;
            default:
              break;
          }
        }
        signal.throwIfAborted();
        yield {
          type: 'done',
          completion: {
            content,
            finishReason,
            usage: { promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion },
          },
        };
      })();
    },
  };
}
