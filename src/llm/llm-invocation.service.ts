import { Inject, Injectable } from '@nestjs/common';
import { TtlCache } from '../common/cache/ttl-cache';
import { badRequest, notFound, ProblemException } from '../common/errors/problem';
import { AppConfig } from '../config/app-config';
import { InvalidationBus } from '../redis/invalidation-bus';
import { LLM_CATALOG_CHANGED } from './llm-catalog.events';
import { LlmConnections } from './llm-connections';
import type { LlmModelEntity } from './llm-model.entity';
import { LlmModelsRepository } from './llm-models.repository';
import type { LlmServiceEntity } from './llm-service.entity';
import type { ChatCompletion, ChatMessage, ChatParams, ChatStreamEvent } from './providers/provider-adapter';
import {
  isRetryableConnectionError,
  toUpstreamProblem,
  UpstreamTimeoutError,
} from './providers/upstream-errors';

/** A chat request against one of the user's usable models. */
export interface InvokeInput {
  modelId: string;
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
}

export type UsableModel = LlmModelEntity & { service: LlmServiceEntity };

/** Model lookups kept per (user, id or name). */
const MODEL_CACHE_SIZE = 10_000;

/**
 * Calls models. Owns the rules every caller (REST invoke, the /v1 gateway,
 * the `llm` action, chats) shares: the user may only use own and global
 * models; one retry on a failed connection and none otherwise; a watchdog
 * that gives up when the provider stays silent longer than LLM_TIMEOUT_MS
 * (before the first byte or between two stream events); upstream errors
 * become 502 / 504 / 429 problems.
 *
 * Model lookups (by id or `<service>/<model>`, with their service) are cached
 * for CACHE_TTL_SECONDS; any change to the catalog drops them at once, here
 * and, through Redis, on the other instances. The cached entities are shared:
 * nothing here changes them.
 */
@Injectable()
export class LlmInvocationService {
  private readonly cache: TtlCache<UsableModel>;

  constructor(
    private readonly models: LlmModelsRepository,
    private readonly connections: LlmConnections,
    @Inject(AppConfig) config: AppConfig,
    bus: InvalidationBus,
  ) {
    this.cache = new TtlCache(config.cacheTtlSeconds * 1000, MODEL_CACHE_SIZE);
    bus.on(LLM_CATALOG_CHANGED, () => this.cache.clear());
  }

  async getUsableModel(userId: string, modelId: string): Promise<UsableModel> {
    const model = await this.cached(`i:${userId}:${modelId}`, () => this.models.findUsable(userId, modelId));
    if (!model) throw notFound('LLM model');
    return model;
  }

  /** `<serviceName>/<modelName>`, the user's own service first; null when there is none. */
  async findUsableModelByName(userId: string, qualifiedName: string): Promise<UsableModel | null> {
    const slash = qualifiedName.indexOf('/');
    if (slash <= 0 || slash === qualifiedName.length - 1) return null;
    return this.cached(`n:${userId}:${qualifiedName}`, () =>
      this.models.findUsableByName(userId, qualifiedName.slice(0, slash), qualifiedName.slice(slash + 1)),
    );
  }

  /** A cached usable model, or the lookup's (see TtlCache.getOrLoad); null when there is none. */
  private cached(key: string, lookup: () => Promise<LlmModelEntity | null>): Promise<UsableModel | null> {
    return this.cache.getOrLoad(key, async () => {
      const model = await lookup();
      return model?.service ? (model as UsableModel) : null;
    });
  }

  listAllUsableModels(userId: string, max: number): Promise<UsableModel[]> {
    return this.models.listAllUsable(userId, max) as Promise<UsableModel[]>;
  }

  async complete(userId: string, input: InvokeInput, signal: AbortSignal): Promise<ChatCompletion> {
    const model = await this.getUsableModel(userId, input.modelId);
    return this.completeWith(model, paramsOf(model, input), signal);
  }

  async openStream(
    userId: string,
    input: InvokeInput,
    signal: AbortSignal,
  ): Promise<AsyncIterable<ChatStreamEvent>> {
    const model = await this.getUsableModel(userId, input.modelId);
    return this.openStreamWith(model, paramsOf(model, input), signal);
  }

  async completeWith(model: UsableModel, params: ChatParams, signal: AbortSignal): Promise<ChatCompletion> {
    assertChatModel(model);
    const { adapter, secret } = this.connections.connect(model.service);
    const call = new UpstreamCall(this.connections.timeoutMs, signal, secret);
    let completed = false;
    try {
      const completion = await withOneConnectionRetry(() => adapter.complete(params, call.signal), call);
      completed = true;
      return completion;
    } catch (err) {
      throw call.problemFor(err);
    } finally {
      call.finish(completed);
    }
  }

  /**
   * Resolves when the provider accepted the request, so failures before the
   * first byte still become a plain HTTP error; failures while iterating are
   * thrown as problems too (the caller decides how to tell its client).
   */
  async openStreamWith(
    model: UsableModel,
    params: ChatParams,
    signal: AbortSignal,
  ): Promise<AsyncIterable<ChatStreamEvent>> {
    assertChatModel(model);
    const { adapter, secret } = this.connections.connect(model.service);
    const call = new UpstreamCall(this.connections.timeoutMs, signal, secret);
    let upstream: AsyncIterable<ChatStreamEvent>;
    try {
      upstream = await withOneConnectionRetry(() => adapter.stream(params, call.signal), call);
    } catch (err) {
      call.finish();
      throw call.problemFor(err);
    }
    return new WatchedStream(upstream, call);
  }
}

const END: IteratorReturnResult<undefined> = { value: undefined, done: true };

/**
 * The upstream events under the idle watchdog (armed while waiting for the
 * next event, paused while the consumer holds one), with failures turned into
 * problems. Stopping early (`return`) aborts the upstream request. A plain
 * iterator rather than a generator: one promise per event, no more.
 */
class WatchedStream implements AsyncIterableIterator<ChatStreamEvent> {
  private readonly upstream: AsyncIterator<ChatStreamEvent>;
  private finished = false;

  constructor(
    upstream: AsyncIterable<ChatStreamEvent>,
    private readonly call: UpstreamCall,
  ) {
    this.upstream = upstream[Symbol.asyncIterator]();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<ChatStreamEvent>> {
    if (this.finished) return Promise.resolve(END);
    this.call.arm();
    return this.upstream.next().then(this.onResult, this.onError);
  }

  return(): Promise<IteratorResult<ChatStreamEvent>> {
    if (!this.finished) {
      this.finish(false);
      this.upstream.return?.().catch(() => undefined);
    }
    return Promise.resolve(END);
  }

  private readonly onResult = (result: IteratorResult<ChatStreamEvent>): IteratorResult<ChatStreamEvent> => {
    if (result.done) this.finish(true);
    else this.call.pause();
    return result;
  };

  private readonly onError = (err: unknown): never => {
    const problem = this.call.problemFor(err);
    this.finish(false);
    throw problem;
  };

  /** `completed`: read to the end, so there is no upstream request left to abort. */
  private finish(completed: boolean): void {
    this.finished = true;
    this.call.finish(completed);
  }
}

async function withOneConnectionRetry<T>(attempt: () => Promise<T>, call: UpstreamCall): Promise<T> {
  try {
    return await attempt();
  } catch (err) {
    if (!isRetryableConnectionError(err) || call.signal.aborted) throw err;
    call.arm();
    return attempt();
  }
}

/**
 * One upstream request's abort signal: fired by the caller (client gone,
 * action cancelled) or by the idle watchdog, which the stream re-arms at every
 * event and pauses while the consumer holds an event.
 */
class UpstreamCall {
  private readonly controller = new AbortController();
  /** One timer for the whole call, re-armed with `refresh()`: no new timer per event. */
  private timer: NodeJS.Timeout | undefined;
  /** The consumer holds an event: silence now is not the provider's. */
  private holding = false;
  private timedOut = false;
  private readonly onOuterAbort = (): void => this.controller.abort(this.outer.reason);
  private readonly onTimeout = (): void => {
    // Fired while paused: the next arm() starts a full period again.
    if (this.holding) return;
    this.timedOut = true;
    this.controller.abort(new UpstreamTimeoutError(this.timeoutMs));
  };

  constructor(
    private readonly timeoutMs: number,
    private readonly outer: AbortSignal,
    private readonly secret: string | null,
  ) {
    if (outer.aborted) this.controller.abort(outer.reason);
    else outer.addEventListener('abort', this.onOuterAbort, { once: true });
    this.arm();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  arm(): void {
    this.holding = false;
    // refresh() also re-activates a timer that fired while paused.
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(this.onTimeout, this.timeoutMs);
  }

  pause(): void {
    this.holding = true;
  }

  /** `completed`: the provider's answer was read to the end, so there is no request left to abort. */
  finish(completed = false): void {
    clearTimeout(this.timer);
    this.outer.removeEventListener('abort', this.onOuterAbort);
    // Ends the upstream request if it may still be open (consumer stopped early, failure).
    if (!completed && !this.controller.signal.aborted) this.controller.abort();
  }

  problemFor(err: unknown): ProblemException {
    return toUpstreamProblem(err, {
      timedOut: this.timedOut,
      timeoutMs: this.timeoutMs,
      secret: this.secret,
    });
  }
}

function assertChatModel(model: UsableModel): void {
  if (model.modality !== 'chat') {
    throw badRequest(`Model ${model.name} is an ${model.modality} model, not a chat model`, [
      { field: 'modelId', message: 'the model is not a chat model' },
    ]);
  }
}

function paramsOf(model: UsableModel, input: InvokeInput): ChatParams {
  return {
    model: model.name,
    messages: input.messages.map((m) => ({ role: m.role, content: m.content })),
    ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
    ...(input.maxTokens !== undefined ? { maxTokens: input.maxTokens } : {}),
  };
}
