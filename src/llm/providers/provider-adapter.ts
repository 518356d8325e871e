import type { LlmProvider } from '../llm-service.entity';

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface ChatParams {
  /** The provider's own model name. */
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  stop?: string[];
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface ChatCompletion {
  content: string;
  /** OpenAI-style reason (`stop`, `length`, …), normalised from the provider's. */
  finishReason: string | null;
  usage: ChatUsage;
}

export type ChatStreamEvent = { type: 'delta'; text: string } | { type: 'done'; completion: ChatCompletion };

/** What an adapter needs to reach one service. */
export interface ProviderConnection {
  provider: LlmProvider;
  baseUrl: string;
  /** null: the service sends no credential (some self-hosted OpenAI-compatible servers). */
  apiKey: string | null;
  /** The egress-guarded fetch: every connection is vetted, pinned and redirect-checked. */
  fetch: typeof fetch;
  /** The same guard, answering a successful response's body as a Node stream (`takeNodeBody`). */
  streamFetch: typeof fetch;
  /** Time to the response headers; the caller also watches idle streams. */
  timeoutMs: number;
}

/**
 * One provider's chat API behind a common shape. Adapters make exactly one
 * attempt (no SDK retries): the caller decides about retries, timeouts and how
 * errors map to HTTP.
 */
export interface LlmProviderAdapter {
  complete(params: ChatParams, signal: AbortSignal): Promise<ChatCompletion>;
  /**
   * Resolves once the provider accepted the request (response headers in);
   * iterate for the deltas, then one `done` event. Throws the signal's reason
   * if it is aborted mid-stream (the SDKs would otherwise end quietly).
   */
  stream(params: ChatParams, signal: AbortSignal): Promise<AsyncIterable<ChatStreamEvent>>;
}

export const emptyUsage = (): ChatUsage => ({ promptTokens: 0, completionTokens: 0, totalTokens: 0 });
