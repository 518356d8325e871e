import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { RedisConnection } from '../../redis/redis.module';
import type { FinalActionStatus } from '../action.entity';
import { ActionChunksRepository } from '../action-chunks.repository';
import { ACTION_CHUNKS, ACTION_COMPLETED, ActionChunksEvent, ActionCompletedEvent } from '../actions.events';
import { ActionsRepository } from '../actions.repository';
import { HEARTBEAT_INTERVAL_MS } from './action-stream.engine';
import { interruptedChunk } from './problem-chunk';

/** A running action whose heartbeat is older than this belongs to a process that died. */
export const STALE_AFTER_MS = 3 * HEARTBEAT_INTERVAL_MS + 5_000;
const SWEEP_INTERVAL_MS = 30_000;
const SWEEP_BATCH = 100;

interface Ended {
  actionId: string;
  userId: string;
  status: FinalActionStatus;
  completedAt: Date;
  chunk: ActionChunksEvent | null;
}

/**
 * Ends actions whose process crashed: at start-up and then periodically,
 * every `running` action with a stale heartbeat becomes `failed` with a
 * problem chunk at its next order. Several instances may sweep at once:
 * rows are locked (skip locked) and ended only while still running.
 */
@Injectable()
export class ActionRecovery implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ActionRecovery.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly actions: ActionsRepository,
    private readonly chunks: ActionChunksRepository,
    private readonly events: EventEmitter2,
    private readonly redis: RedisConnection,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Instances that share a database share Redis too (SPEC §13). Without Redis this
    // is the only instance, so at start-up every running action is an orphan of a
    // process that died: all of them fail now, heartbeat or not. With Redis a
    // neighbour may be streaming one, and only stale heartbeats count.
    const onlyInstance = this.redis.client === null;
    await this.failStaleActions(onlyInstance ? new Date(Date.now() + 1000) : undefined);
    this.timer = setInterval(() => {
      this.failStaleActions().catch((err: unknown) =>
        this.logger.warn({ msg: 'sweep failed', err: err instanceof Error ? err.message : String(err) }),
      );
    }, SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Marks failed every running action nobody keeps alive; returns how many. */
  async failStaleActions(staleBefore = new Date(Date.now() - STALE_AFTER_MS)): Promise<number> {
    const ended = await this.dataSource.transaction(async (em) => {
      const stale = await this.actions.findStaleRunning(staleBefore, SWEEP_BATCH, em);
      const out: Ended[] = [];
      for (const action of stale) {
        const order = await this.chunks.nextOrder(action.id, em);
        const chunk = interruptedChunk('The server running this action stopped before it finished');
        await this.chunks.appendBatch(
          action.id,
          [{ order, mime: chunk.mime, text: chunk.text ?? null, data: null }],
          em,
        );
        const completedAt = await this.actions.complete(action.id, 'failed', em);
        if (completedAt) {
          out.push({
            actionId: action.id,
            userId: action.userId,
            status: 'failed',
            completedAt,
            chunk: {
              actionId: action.id,
              userId: action.userId,
              chunks: [{ order, mime: chunk.mime, text: chunk.text }],
            },
          });
        }
      }
      return out;
    });
    this.announce(ended);
    if (ended.length > 0) this.logger.warn({ msg: 'failed interrupted actions', count: ended.length });
    return ended.length;
  }

  /** Ends one orphaned action (its process is gone) as cancelled, if it is still running. */
  async cancelOrphan(actionId: string, userId: string): Promise<void> {
    const completedAt = await this.actions.complete(actionId, 'cancelled');
    if (completedAt) this.announce([{ actionId, userId, status: 'cancelled', completedAt, chunk: null }]);
  }

  private announce(ended: Ended[]): void {
    for (const e of ended) {
      if (e.chunk) this.events.emit(ACTION_CHUNKS, e.chunk);
      const completed: ActionCompletedEvent = {
        actionId: e.actionId,
        userId: e.userId,
        status: e.status,
        completedAt: e.completedAt,
      };
      this.events.emit(ACTION_COMPLETED, completed);
    }
  }
}
