import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { closeRedis, RedisConnection } from '../../redis/redis.module';
import type { FinalActionStatus } from '../action.entity';
import { ActionChunksRepository, NewChunk } from '../action-chunks.repository';
import {
  ACTION_CHUNKS,
  ACTION_COMPLETED,
  ActionChunk,
  ActionChunksEvent,
  ActionCompletedEvent,
} from '../actions.events';
import { ActionsRepository } from '../actions.repository';
import type { ActionHandler } from '../handlers/action-handler';
import { ChunkBatchWriter } from './chunk-batch-writer';
import { checkChunk, problemChunk } from './problem-chunk';

/** Chunks are written in batches of up to this many … */
const MAX_BATCH = 250;
/** … or after this long; a chunk reaches clients once stored, so this bounds the added latency. */
const FLUSH_AFTER_MS = 5;
/** How often the running process marks its actions alive (see ActionRecovery). */
export const HEARTBEAT_INTERVAL_MS = 10_000;

export interface StreamRun {
  actionId: string;
  userId: string;
  handler: ActionHandler;
  /** Already validated against the handler's request schema. */
  request: unknown;
  config: unknown;
}

interface RunningAction {
  controller: AbortController;
  done: Promise<FinalActionStatus>;
}

/** Why an action stops early; the engine reports both as `cancelled`. */
class ActionCancelled extends Error {
  constructor(readonly by: 'user' | 'shutdown') {
    super(by === 'user' ? 'The action was cancelled' : 'The server is shutting down');
    this.name = 'ActionCancelled';
  }
}

/**
 * Iterates a handler's stream but stops as soon as the signal aborts, even if
 * the handler is stuck awaiting something that ignores the signal.
 *
 * Each wait is its own promise that the abort listener rejects. Racing every
 * `next()` against one long-lived "aborted" promise (`Promise.race`) would
 * leave a reaction on that promise per chunk, holding the chunk, until the
 * action ends: ~400 bytes per chunk (bench/stream/soak.ts).
 */
async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let abortWait: ((reason: unknown) => void) | null = null;
  const onAbort = (): void => abortWait?.(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (signal.aborted) throw signal.reason as Error;
      const result = await new Promise<IteratorResult<T>>((resolve, reject) => {
        abortWait = reject;
        iterator.next().then(resolve, reject);
      });
      abortWait = null;
      if (result.done) return;
      yield result.value;
    }
  } finally {
    abortWait = null;
    signal.removeEventListener('abort', onAbort);
    // Not awaited: a handler stuck in an await must not hold the action open.
    if (iterator.return) void Promise.resolve(iterator.return()).catch(() => undefined);
  }
}

/**
 * The one streaming engine (threads use it for actions; chats reuse it for
 * assistant replies): runs a handler with an AbortSignal, numbers its chunks
 * without gaps, stores them in batches, announces each stored chunk as a
 * domain event, and ends the action completed, failed (with a last problem
 * chunk) or cancelled. Knows nothing of threads or sockets.
 */
@Injectable()
export class ActionStreamEngine implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ActionStreamEngine.name);
  private readonly runs = new Map<string, RunningAction>();
  private accepting = true;
  private heartbeat: NodeJS.Timeout | null = null;
  private cancelSubscriber: Redis | null = null;
  private readonly cancelChannel: string;

  constructor(
    private readonly actions: ActionsRepository,
    private readonly chunks: ActionChunksRepository,
    private readonly events: EventEmitter2,
    private readonly redis: RedisConnection,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {
    this.cancelChannel = `${config.redisKeyPrefix}actions:cancel`;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.heartbeat = setInterval(() => void this.touchRunning(), HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
    // Cancellation reaches whichever instance runs the action.
    this.cancelSubscriber = this.redis.duplicate();
    if (this.cancelSubscriber) {
      this.cancelSubscriber.on('message', (_channel: string, actionId: string) => {
        this.runs.get(actionId)?.controller.abort(new ActionCancelled('user'));
      });
      await this.cancelSubscriber.subscribe(this.cancelChannel);
    }
  }

  /** False once the server drains: new actions are refused (503). */
  get isAccepting(): boolean {
    return this.accepting;
  }

  isRunningHere(actionId: string): boolean {
    return this.runs.has(actionId);
  }

  /** Starts streaming in the background; the promise settles with the final status. */
  start(run: StreamRun): Promise<FinalActionStatus> {
    const controller = new AbortController();
    const done = this.execute(run, controller.signal).finally(() => this.runs.delete(run.actionId));
    this.runs.set(run.actionId, { controller, done });
    return done;
  }

  /**
   * Cancels the action wherever it runs. Resolves with the final status when
   * it ran here, or null when it runs on another instance (told through Redis).
   */
  async cancel(actionId: string): Promise<FinalActionStatus | null> {
    const local = this.runs.get(actionId);
    if (local) {
      local.controller.abort(new ActionCancelled('user'));
      return local.done;
    }
    if (this.redis.client) await this.redis.client.publish(this.cancelChannel, actionId);
    return null;
  }

  private async execute(run: StreamRun, signal: AbortSignal): Promise<FinalActionStatus> {
    const writer = new ChunkBatchWriter({
      maxBatch: MAX_BATCH,
      flushAfterMs: FLUSH_AFTER_MS,
      persist: (batch) => this.chunks.appendBatch(run.actionId, batch),
      onPersisted: (batch) => this.announce(run, batch),
    });
    let status: FinalActionStatus = 'completed';
    let failure: unknown = null;
    try {
      const stream = run.handler.run({
        actionId: run.actionId,
        userId: run.userId,
        request: run.request,
        config: run.config,
        signal,
      });
      for await (const chunk of untilAborted(stream, signal)) {
        checkChunk(chunk);
        await writer.push(chunk);
      }
      if (signal.aborted) status = 'cancelled';
    } catch (err) {
      if (signal.aborted && !writer.failed) {
        status = 'cancelled';
      } else {
        status = 'failed';
        failure = err;
      }
    }
    try {
      await writer.close();
    } catch (err) {
      status = 'failed';
      failure = err;
      writer.resetAfterFailure();
    }
    if (status === 'failed') {
      this.logger.warn({
        msg: 'action failed',
        actionId: run.actionId,
        handler: run.handler.name,
        err: failure instanceof Error ? { name: failure.name, message: failure.message } : String(failure),
      });
      try {
        await writer.push(problemChunk(failure));
        await writer.close();
      } catch (err) {
        this.logger.error({
          msg: 'could not store the problem chunk',
          actionId: run.actionId,
          err: err instanceof Error ? err.message : String(err),
        });
      }
    }
    await this.finish(run, status);
    return status;
  }

  private announce(run: StreamRun, batch: NewChunk[]): void {
    const chunks = batch.map((c) => {
      const chunk: ActionChunk = { order: c.order, mime: c.mime };
      if (c.text !== null) chunk.text = c.text;
      if (c.data !== null) chunk.data = c.data;
      return chunk;
    });
    const event: ActionChunksEvent = { actionId: run.actionId, userId: run.userId, chunks };
    this.events.emit(ACTION_CHUNKS, event);
  }

  private async finish(run: StreamRun, status: FinalActionStatus): Promise<void> {
    let completedAt: Date | null = null;
    try {
      completedAt = await this.actions.complete(run.actionId, status);
    } catch (err) {
      this.logger.error({
        msg: 'could not mark the action ended',
        actionId: run.actionId,
        err: err instanceof Error ? err.message : String(err),
      });
      return;
    }
    // null: something else ended it already (start-up recovery of a stale heartbeat) and announced it.
    if (!completedAt) return;
    const event: ActionCompletedEvent = { actionId: run.actionId, userId: run.userId, status, completedAt };
    this.events.emit(ACTION_COMPLETED, event);
  }

  private async touchRunning(): Promise<void> {
    try {
      await this.actions.touchHeartbeats([...this.runs.keys()]);
    } catch (err) {
      this.logger.warn({ msg: 'heartbeat failed', err: err instanceof Error ? err.message : String(err) });
    }
  }

  /**
   * SIGTERM (and app.close()): refuse new actions, let running ones finish
   * within the grace period, then cancel the rest and wait for them to be
   * recorded. Runs before the HTTP and Socket.IO servers close, so clients
   * still receive the last chunks and `action:completed`.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.accepting = false;
    const pending = (): Promise<unknown> => Promise.allSettled([...this.runs.values()].map((r) => r.done));
    if (this.runs.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.config.shutdownGraceMs);
      });
      const outcome = await Promise.race([pending().then(() => 'drained' as const), graceOver]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        this.logger.warn({ msg: 'grace period over: cancelling running actions', count: this.runs.size });
        for (const run of this.runs.values()) run.controller.abort(new ActionCancelled('shutdown'));
        await pending();
      }
    }
    await this.stopBackground();
  }

  private async stopBackground(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    const subscriber = this.cancelSubscriber;
    this.cancelSubscriber = null;
    await closeRedis(subscriber);
  }
}
