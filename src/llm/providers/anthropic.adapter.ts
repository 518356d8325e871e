import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsBase, MessageParam } from '@anthropic-ai/sdk/resources/messages';
import {
  ChatCompletion,
  ChatParams,
  ChatStreamEvent,
  LlmProviderAdapter,
  ProviderConnection,
} from './provider-adapter';
import { ProviderEventStream, SseEventMapper, streamBodyOf } from './provider-event-stream';
import type { SseMessage } from './sse-reader';

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
  const apiKey = conn.apiKey;
  const options = (fetch: typeof globalThis.fetch): ConstructorParameters<typeof Anthropic>[0] => ({
    // Passing the key explicitly keeps the client from reading ANTHROPIC_* variables or profiles.
    apiKey,
    baseURL: conn.baseUrl,
    fetch,
    maxRetries: 0,
    timeout: conn.timeoutMs,
    logLevel: 'off',
  });
  const client = new Anthropic(options(conn.fetch));
  // Streams go through the fetch that keeps a successful body as a Node stream (see stream()).
  const streamingClient = new Anthropic(options(conn.streamFetch));

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
      // As for OpenAI: the official client sends the request (and raises its errors);
      // the event stream is read here from the Node stream the streaming fetch keeps aside.
      const response = await streamingClient.messages
        .create({ ...body(params), stream: true }, { signal })
        .asResponse();
      const raw = streamBodyOf(response);
      if (!raw) throw new Anthropic.APIConnectionError({ message: 'The provider sent no body' });
      return new ProviderEventStream(raw, new AnthropicEventMapper(response.headers), signal);
    },
  };
}

/**
 * Anthropic's Messages event stream, with the official client's semantics:
 * `ping` and unnamed events are skipped, `event: error` is thrown as the
 * client's APIError, every other event is a JSON object read by its `type`.
 */
class AnthropicEventMapper implements SseEventMapper {
  private content = '';
  private finishReason: string | null = null;
  private prompt = 0;
  private completionTokens = 0;

  constructor(private readonly headers: Headers) {}

  onMessage(message: SseMessage, out: ChatStreamEvent[]): void {
    if (message.event === null || message.event === 'ping') return;
    if (message.event === 'error') {
      const body = parseJsonOrNull(message.data) ?? message.data;
      const type =
        typeof body === 'object' && body !== null
          ? (body as { error?: { type?: unknown } }).error?.type
          : undefined;
      throw new Anthropic.APIError(
        undefined,
        body as object,
        undefined,
        this.headers,
        typeof type === 'string' ? (type as ConstructorParameters<typeof Anthropic.APIError>[4]) : undefined,
      );
    }
    if (!message.data) return;
    const event = JSON.parse(message.data) as AnthropicStreamEvent;
    switch (event.type) {
      case 'message_start':
        this.prompt = event.message?.usage?.input_tokens ?? 0;
        this.completionTokens = event.message?.usage?.output_tokens ?? 0;
        break;
      case 'content_block_delta':
        if (event.delta?.type === 'text_delta' && event.delta.text) {
          this.content += event.delta.text;
          out.push({ type: 'delta', text: event.delta.text });
        }
        break;
      case 'message_delta':
        if (typeof event.usage?.output_tokens === 'number') this.completionTokens = event.usage.output_tokens;
        if (event.delta?.stop_reason) {
          this.finishReason = FINISH_REASONS[event.delta.stop_reason] ?? event.delta.stop_reason;
        }
        break;
      default:
        break;
    }
  }

  completion(): ChatCompletion {
    const prompt = this.prompt;
    const completion = this.completionTokens;
    return {
      content: this.content,
      finishReason: this.finishReason,
      usage: { promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion },
    };
  }
}

/** The parts of the Messages stream events the mapper reads. */
interface AnthropicStreamEvent {
  type: string;
  message?: { usage?: { input_tokens?: number; output_tokens?: number } };
  delta?: { type?: string; text?: string; stop_reason?: string | null };
  usage?: { output_tokens?: number };
}

function parseJsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
