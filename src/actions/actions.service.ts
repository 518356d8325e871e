import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { notFound, serviceUnavailable } from '../common/errors/problem';
import { Page } from '../common/pagination/pagination';
import { ActionEntity } from './action.entity';
import { ActionChunksRepository } from './action-chunks.repository';
import { ActionsRepository } from './actions.repository';
import {
  ActionResponseDto,
  ChunkQueryDto,
  ChunkResponseDto,
  MAX_CHUNK_PAGE,
  RunActionDto,
  toActionResponse,
  toChunkResponse,
  UpdateActionDto,
} from './dto/action.dto';
import { ActionRecovery, STALE_AFTER_MS } from './engine/action-recovery.service';
import { ActionStreamEngine } from './engine/action-stream.engine';
import { ActionHandlersService } from './action-handlers.service';
import type { ActionHandler } from './handlers/action-handler';

/** A run request that passed every check: the handler exists, the request fits its schema. */
export interface PreparedRun {
  handler: ActionHandler;
  request: unknown;
  config: Record<string, unknown>;
  dto: RunActionDto;
}

const REMOTE_CANCEL_WAIT_MS = 3_000;
const REMOTE_CANCEL_POLL_MS = 50;

@Injectable()
export class ActionsService {
  private readonly logger = new Logger(ActionsService.name);

  constructor(
    private readonly actions: ActionsRepository,
    private readonly chunks: ActionChunksRepository,
    private readonly handlers: ActionHandlersService,
    private readonly engine: ActionStreamEngine,
    private readonly recovery: ActionRecovery,
  ) {}

  /** Checks a run request before anything is written: 503 while draining, 400 for a bad handler or request. */
  async prepare(userId: string, dto: RunActionDto): Promise<PreparedRun> {
    if (!this.engine.isAccepting) {
      throw serviceUnavailable('Shutting Down', 'The server is shutting down and takes no new actions');
    }
    const handler = this.handlers.require(dto.handler);
    const request = this.handlers.validateRequest(dto.handler, dto.request);
    const config = await this.handlers.effectiveConfiguration(userId, dto.handler);
    return { handler, request, config, dto };
  }

  /** Writes the running action (inside the caller's transaction). */
  createRunning(userId: string, run: PreparedRun, em: EntityManager): Promise<ActionEntity> {
    return this.actions.create(
      userId,
      {
        handlerName: run.handler.name,
        title: run.dto.title ?? null,
        request: run.dto.request,
        rawText: run.dto.rawText ?? null,
      },
      em,
    );
  }

  /** Starts streaming a committed action in the background. */
  launch(action: ActionEntity, run: PreparedRun): void {
    this.engine
      .start({
        actionId: action.id,
        userId: action.userId,
        handler: run.handler,
        request: run.request,
        config: run.config,
      })
      .catch((err: unknown) =>
        this.logger.error({
          msg: 'action stream crashed',
          actionId: action.id,
          err: err instanceof Error ? err.message : String(err),
        }),
      );
  }

  /** The user's action, or 404 — also for someone else's. */
  async getOwned(userId: string, id: string): Promise<ActionEntity> {
    const action = await this.actions.findOwned(userId, id);
    if (!action) throw notFound('Action');
    return action;
  }

  async get(userId: string, id: string): Promise<ActionResponseDto> {
    return toActionResponse(await this.getOwned(userId, id));
  }

  async rename(userId: string, id: string, dto: UpdateActionDto): Promise<ActionResponseDto> {
    await this.getOwned(userId, id);
    await this.actions.rename(userId, id, dto.title);
    return this.get(userId, id);
  }

  async listChunks(userId: string, id: string, query: ChunkQueryDto): Promise<Page<ChunkResponseDto>> {
    await this.getOwned(userId, id);
    const limit = query.limit ?? MAX_CHUNK_PAGE;
    const after = query.cursor !== undefined ? Number(query.cursor) : (query.after ?? -1);
    const rows = await this.chunks.listAfter(id, after, limit);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toChunkResponse),
      nextCursor: rows.length > limit && last ? String(last.order) : null,
    };
  }

  /**
   * Cancels a running action wherever it runs and answers it once ended
   * (bounded wait when another instance runs it). An ended action is answered
   * as it is: cancelling is idempotent.
   */
  async cancel(userId: string, id: string): Promise<ActionResponseDto> {
    const action = await this.getOwned(userId, id);
    if (action.status !== 'running') return toActionResponse(action);
    const local = await this.engine.cancel(id);
    if (local === null) {
      const deadline = Date.now() + REMOTE_CANCEL_WAIT_MS;
      while (Date.now() < deadline && (await this.getOwned(userId, id)).status === 'running') {
        await new Promise((r) => setTimeout(r, REMOTE_CANCEL_POLL_MS));
      }
      if (await this.actions.isStaleRunning(id, new Date(Date.now() - STALE_AFTER_MS))) {
        // Nobody runs it any more (its process died): end it here.
        await this.recovery.cancelOrphan(id, userId);
      }
    }
    return this.get(userId, id);
  }
}
