import { randomFillSync } from 'node:crypto';
import { HttpStatus, Injectable } from '@nestjs/common';
import { badRequest, ProblemException } from '../../common/errors/problem';
import { LlmInvocationService, UsableModel } from '../llm-invocation.service';
import type {
  ChatCompletion,
  ChatMessage,
  ChatParams,
  ChatStreamEvent,
  ChatUsage,
} from '../providers/provider-adapter';
import { ChatCompletionRequestDto, GatewayContent } from './chat-completion-request.dto';
import type {
  OpenAiChatCompletion,
  OpenAiChatCompletionChunk,
  OpenAiModelList,
  OpenAiModelObject,
  OpenAiUsage,
} from './openai-wire';

/** Stands for a delta's text while the chunk template is made (JSON.stringify leaves it as is). */
const DELTA_MARK = '\u0000delta\u0000';

/** OpenAI's model list is not paginated; this bounds ours. */
const MAX_LISTED_MODELS = 1000;
const MAX_STOP_SEQUENCES = 4;

/** An accepted streamed completion: the provider's events and how they become OpenAI chunks. */
export interface GatewayStream {
  events: AsyncIterable<ChatStreamEvent>;
  chunks: CompletionChunkEncoder;
}

/**
 * The OpenAI-compatible face of the LLM module: model ids are
 * `<serviceName>/<modelName>`, requests and answers are OpenAI's wire objects,
 * and the calls go through the same invocation rules as `/api/llm/invoke`.
 */
@Injectable()
export class OpenAiGatewayService {
  constructor(private readonly invocations: LlmInvocationService) {}

  async listModels(userId: string): Promise<OpenAiModelList> {
    const models = await this.invocations.listAllUsableModels(userId, MAX_LISTED_MODELS);
    // A user's own service shadows a global one of the same name (that is what `model` resolves to),
    // so each id is listed once, as the caller's.
    const byId = new Map<string, OpenAiModelObject>();
    for (const m of [...models].sort(
      (a, b) => Number(a.service.ownerId === null) - Number(b.service.ownerId === null),
    )) {
      const id = `${m.service.name}/${m.name}`;
      if (byId.has(id)) continue;
      byId.set(id, {
        id,
        object: 'model',
        created: Math.floor(m.createdAt.getTime() / 1000),
        owned_by: m.service.ownerId === null ? 'threadline' : 'user',
      });
    }
    return { object: 'list', data: [...byId.values()] };
  }

  /** One model by its `<serviceName>/<modelName>` id (`GET /v1/models/{id}`). */
  async getModel(userId: string, id: string): Promise<OpenAiModelObject> {
    const m = await this.resolveModel(userId, id);
    return {
      id,
      object: 'model',
      created: Math.floor(m.createdAt.getTime() / 1000),
      owned_by: m.service.ownerId === null ? 'threadline' : 'user',
    };
  }

  async complete(
    userId: string,
    body: ChatCompletionRequestDto,
    signal: AbortSignal,
  ): Promise<OpenAiChatCompletion> {
    const model = await this.resolveModel(userId, body.model);
    const completion = await this.invocations.completeWith(model, toParams(model, body), signal);
    return {
      id: completionId(),
      object: 'chat.completion',
      created: nowSeconds(),
      model: body.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: completion.content, refusal: null },
          finish_reason: completion.finishReason ?? 'stop',
          logprobs: null,
        },
      ],
      usage: toOpenAiUsage(completion.usage),
    };
  }

  /** Resolves once the provider accepted the request; errors before that are plain HTTP errors. */
  async openStream(
    userId: string,
    body: ChatCompletionRequestDto,
    signal: AbortSignal,
  ): Promise<GatewayStream> {
    const model = await this.resolveModel(userId, body.model);
    const events = await this.invocations.openStreamWith(model, toParams(model, body), signal);
    return {
      events,
      chunks: new CompletionChunkEncoder(body.model, body.stream_options?.include_usage === true),
    };
  }

  private async resolveModel(userId: string, name: string): Promise<UsableModel> {
    const model = await this.invocations.findUsableModelByName(userId, name);
    if (!model) {
      throw new ProblemException(HttpStatus.NOT_FOUND, 'Not Found', {
        detail: `The model '${name}' does not exist or you do not have access to it`,
        errors: [
          { field: 'model', message: 'unknown model; use <serviceName>/<modelName> from GET /v1/models' },
        ],
        // What OpenAI answers for an unknown model, so clients that check the code recognise it.
        openAi: { type: 'invalid_request_error', code: 'model_not_found' },
      });
    }
    return model;
  }
}

/**
 * OpenAI's `chat.completion.chunk`s of one streamed completion: an opening
 * chunk with the role, one per delta (as JSON text, the hot path), then the
 * closing ones. Synchronous: the stream loop writes each as soon as it has it.
 */
export class CompletionChunkEncoder {
  private readonly id = completionId();
  private readonly created = nowSeconds();
  /** A content-delta chunk's JSON around its text, built once per stream (see deltaJson). */
  private readonly deltaPrefix: string;
  private readonly deltaSuffix: string;

  constructor(
    private readonly model: string,
    private readonly includeUsage: boolean,
  ) {
    const template = JSON.stringify(this.chunk({ content: DELTA_MARK }, null));
    const mark = JSON.stringify(DELTA_MARK);
    // The last occurrence: the content comes after every other field (the model could hold the mark).
    const at = template.lastIndexOf(mark);
    this.deltaPrefix = template.slice(0, at);
    this.deltaSuffix = template.slice(at + mark.length);
  }

  /** The JSON text of a content-delta chunk, byte for byte JSON.stringify of its object, at a fraction of the cost. */
  deltaJson(text: string): string {
    return `${this.deltaPrefix}${JSON.stringify(text)}${this.deltaSuffix}`;
  }

  opening(): OpenAiChatCompletionChunk {
    return this.chunk({ role: 'assistant', content: '' }, null);
  }

  /** The chunks that end the stream: the finish reason and, when asked for, the usage. */
  closing(completion: ChatCompletion): OpenAiChatCompletionChunk[] {
    const last = this.chunk({}, completion.finishReason ?? 'stop');
    if (!this.includeUsage) return [last];
    return [
      last,
      {
        id: this.id,
        object: 'chat.completion.chunk',
        created: this.created,
        model: this.model,
        choices: [],
        usage: toOpenAiUsage(completion.usage),
      },
    ];
  }

  private chunk(
    delta: OpenAiChatCompletionChunk['choices'][number]['delta'],
    finishReason: string | null,
  ): OpenAiChatCompletionChunk {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
      ...(this.includeUsage ? { usage: null } : {}),
    };
  }
}

function toParams(model: UsableModel, body: ChatCompletionRequestDto): ChatParams {
  const stop = body.stop === undefined ? undefined : Array.isArray(body.stop) ? body.stop : [body.stop];
  if (stop && stop.length > MAX_STOP_SEQUENCES) {
    throw badRequest(`stop takes at most ${MAX_STOP_SEQUENCES} sequences`, [
      { field: 'stop', message: `at most ${MAX_STOP_SEQUENCES} sequences` },
    ]);
  }
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  return {
    model: model.name,
    messages: body.messages.map((m): ChatMessage => ({
      role: m.role === 'developer' ? 'system' : m.role,
      content: textOf(m.content),
    })),
    ...(body.temperature !== undefined ? { temperature: body.temperature } : {}),
    ...(body.top_p !== undefined ? { topP: body.top_p } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(stop ? { stop } : {}),
  };
}

const textOf = (content: GatewayContent): string =>
  typeof content === 'string' ? content : content.map((part) => part.text).join('');

const toOpenAiUsage = (u: ChatUsage): OpenAiUsage => ({
  prompt_tokens: u.promptTokens,
  completion_tokens: u.completionTokens,
  total_tokens: u.totalTokens,
});

/** Random bytes for completion ids, drawn in batches: one small randomBytes call per request is costly. */
const ID_BYTES = 12;
const idPool = Buffer.alloc(ID_BYTES * 256);
let idPoolOffset = idPool.length;

function completionId(): string {
  if (idPoolOffset === idPool.length) {
    randomFillSync(idPool);
    idPoolOffset = 0;
  }
  const id = idPool.toString('base64url', idPoolOffset, idPoolOffset + ID_BYTES);
  idPoolOffset += ID_BYTES;
  return `chatcmpl-${id}`;
}
const nowSeconds = (): number => Math.floor(Date.now() / 1000);
