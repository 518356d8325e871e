import {
  ActionChunkInput,
  ActionHandler,
  ActionHandlerContext,
  ActionHandlerProvider,
} from '../actions/handlers/action-handler';
import { badRequest } from '../common/errors/problem';
import { CHAT_ROLES, MAX_MESSAGE_CHARS, MAX_MESSAGES } from './dto/invoke.dto';
import { LlmInvocationService } from './llm-invocation.service';
import type { ChatMessage } from './providers/provider-adapter';

export interface LlmActionRequest {
  prompt?: string;
  messages?: ChatMessage[];
  modelId?: string;
  temperature?: number;
}

export interface LlmActionConfig {
  modelId?: string;
  temperature?: number;
  systemPrompt?: string;
}

const MARKDOWN = 'text/markdown';

/**
 * `llm`: asks a model and streams its answer as markdown deltas. The model,
 * temperature and system prompt default to the user's handler configuration.
 */
@ActionHandlerProvider()
export class LlmActionHandler implements ActionHandler<LlmActionRequest, LlmActionConfig> {
  readonly name = 'llm';
  readonly description =
    'Asks a model ({ prompt } or { messages }, modelId?, temperature?) and streams its answer as text/markdown; defaults come from the handler configuration { modelId, temperature, systemPrompt }.';
  readonly requestSchema = {
    type: 'object',
    properties: {
      prompt: { type: 'string', minLength: 1, maxLength: MAX_MESSAGE_CHARS },
      messages: {
        type: 'array',
        minItems: 1,
        maxItems: MAX_MESSAGES,
        items: {
          type: 'object',
          properties: {
            role: { enum: [...CHAT_ROLES] },
            content: { type: 'string', maxLength: MAX_MESSAGE_CHARS },
          },
          required: ['role', 'content'],
          additionalProperties: false,
        },
      },
      modelId: { type: 'string', format: 'uuid' },
      temperature: { type: 'number', minimum: 0, maximum: 2 },
    },
    oneOf: [{ required: ['prompt'] }, { required: ['messages'] }],
    additionalProperties: false,
  };
  readonly configSchema = {
    type: 'object',
    properties: {
      modelId: { type: 'string', format: 'uuid' },
      temperature: { type: 'number', minimum: 0, maximum: 2 },
      systemPrompt: { type: 'string', maxLength: MAX_MESSAGE_CHARS },
    },
    additionalProperties: false,
  };

  constructor(private readonly invocations: LlmInvocationService) {}

  async *run({
    userId,
    request,
    config,
    signal,
  }: ActionHandlerContext<LlmActionRequest, LlmActionConfig>): AsyncIterable<ActionChunkInput> {
    const modelId = request.modelId ?? config.modelId;
    if (!modelId) {
      throw badRequest('No model: give modelId in the request or set one in the llm handler configuration', [
        { field: 'request.modelId', message: 'required when the llm handler configuration has no modelId' },
      ]);
    }
    const conversation: ChatMessage[] = request.messages ?? [{ role: 'user', content: request.prompt ?? '' }];
    const messages = config.systemPrompt
      ? [{ role: 'system' as const, content: config.systemPrompt }, ...conversation]
      : conversation;
    const temperature = request.temperature ?? config.temperature;
    const events = await this.invocations.openStream(
      userId,
      { modelId, messages, ...(temperature !== undefined ? { temperature } : {}) },
      signal,
    );
    for await (const event of events) {
      if (event.type === 'delta') yield { mime: MARKDOWN, text: event.text };
    }
  }
}
