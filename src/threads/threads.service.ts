import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import type { AuthUser } from '../auth/auth-user';
import { ActionsService } from '../actions/actions.service';
import { ActionEnvelopeDto, RunActionDto, toActionResponse } from '../actions/dto/action.dto';
import { conflict, notFound } from '../common/errors/problem';
import { mapPage, Page, PageQueryDto } from '../common/pagination/pagination';
import {
  CreateThreadDto,
  ThreadActionResponseDto,
  ThreadDetailResponseDto,
  ThreadResponseDto,
  toThreadActionResponse,
  toThreadResponse,
  UpdateThreadActionDto,
  UpdateThreadDto,
} from './dto/thread.dto';
import { ThreadActionsRepository } from './thread-actions.repository';
import { ThreadEntity } from './thread.entity';
import { THREAD_ACTION_ADDED, ThreadActionAddedEvent } from './threads.events';
import { ThreadsRepository } from './threads.repository';

@Injectable()
export class ThreadsService {
  constructor(
    private readonly threads: ThreadsRepository,
    private readonly links: ThreadActionsRepository,
    private readonly actions: ActionsService,
    private readonly dataSource: DataSource,
    private readonly events: EventEmitter2,
  ) {}

  async list(userId: string, page: PageQueryDto): Promise<Page<ThreadResponseDto>> {
    return mapPage(await this.threads.listOwned(userId, page), toThreadResponse);
  }

  async create(userId: string, dto: CreateThreadDto): Promise<ThreadResponseDto> {
    return toThreadResponse(await this.threads.create(userId, dto.title, dto.description ?? ''));
  }

  /** The user's thread, or 404 — also for someone else's. The gateway checks subscriptions with it. */
  async getOwned(userId: string, id: string): Promise<ThreadEntity> {
    const thread = await this.threads.findOwned(userId, id);
    if (!thread) throw notFound('Thread');
    return thread;
  }

  async get(userId: string, id: string): Promise<ThreadDetailResponseDto> {
    const thread = await this.getOwned(userId, id);
    const links = await this.links.listWithActions(id);
    return { ...toThreadResponse(thread), actions: links.map(toThreadActionResponse) };
  }

  async update(userId: string, id: string, dto: UpdateThreadDto): Promise<ThreadResponseDto> {
    await this.getOwned(userId, id);
    await this.threads.update(userId, id, {
      ...(dto.title !== undefined ? { title: dto.title } : {}),
      ...(dto.description !== undefined ? { description: dto.description } : {}),
    });
    return toThreadResponse(await this.getOwned(userId, id));
  }

  /** Removes the thread and its links; the actions stay (they may be in other threads). */
  async delete(userId: string, id: string): Promise<void> {
    if (!(await this.threads.deleteOwned(userId, id))) throw notFound('Thread');
  }

  /**
   * Creates an action last in the thread and starts streaming it once the
   * transaction has committed, so `action:created` and every chunk refer to
   * rows that exist.
   */
  async runAction(me: AuthUser, threadId: string, dto: RunActionDto): Promise<ActionEnvelopeDto> {
    await this.getOwned(me.id, threadId);
    const run = await this.actions.prepare(me.id, dto);
    const action = await this.dataSource.transaction(async (em) => {
      if (!(await this.threads.lockOwned(me.id, threadId, em))) throw notFound('Thread');
      const created = await this.actions.createRunning(me.id, run, em);
      await this.links.appendLast(threadId, created.id, em);
      return created;
    });
    const response = toActionResponse(action);
    const event: ThreadActionAddedEvent = { threadId, action: response };
    this.events.emit(THREAD_ACTION_ADDED, event);
    this.actions.launch(action, run);
    return { action: response };
  }

  /** Appends an existing action of the user to this thread (409 if it is already there). */
  async linkAction(userId: string, threadId: string, actionId: string): Promise<ThreadActionResponseDto> {
    await this.getOwned(userId, threadId);
    await this.actions.getOwned(userId, actionId);
    const link = await this.dataSource.transaction(async (em) => {
      if (!(await this.threads.lockOwned(userId, threadId, em))) throw notFound('Thread');
      if (await this.links.findLink(threadId, actionId, em)) {
        throw conflict('The action is already in this thread');
      }
      await this.links.appendLast(threadId, actionId, em);
      return (await this.links.findLink(threadId, actionId, em))!;
    });
    const response = toThreadActionResponse(link);
    const event: ThreadActionAddedEvent = { threadId, action: response.action };
    this.events.emit(THREAD_ACTION_ADDED, event);
    return response;
  }

  async unlinkAction(userId: string, threadId: string, actionId: string): Promise<void> {
    await this.getOwned(userId, threadId);
    await this.dataSource.transaction(async (em) => {
      if (!(await this.threads.lockOwned(userId, threadId, em))) throw notFound('Thread');
      const link = await this.links.findLink(threadId, actionId, em);
      if (!link) throw notFound('Action in this thread');
      await this.links.remove(link, em);
    });
  }

  /** Shows/hides the question or answer, and moves the action (orders stay dense and unique). */
  async updateLink(
    userId: string,
    threadId: string,
    actionId: string,
    dto: UpdateThreadActionDto,
  ): Promise<ThreadActionResponseDto> {
    await this.getOwned(userId, threadId);
    const link = await this.dataSource.transaction(async (em) => {
      if (!(await this.threads.lockOwned(userId, threadId, em))) throw notFound('Thread');
      const found = await this.links.findLink(threadId, actionId, em);
      if (!found) throw notFound('Action in this thread');
      await this.links.setVisibility(
        found,
        {
          ...(dto.showQuestion !== undefined ? { showQuestion: dto.showQuestion } : {}),
          ...(dto.showAnswer !== undefined ? { showAnswer: dto.showAnswer } : {}),
        },
        em,
      );
      if (dto.displayOrder !== undefined) {
        const last = (await this.links.count(threadId, em)) - 1;
        await this.links.move(found, Math.min(dto.displayOrder, last), em);
      }
      return (await this.links.findLink(threadId, actionId, em))!;
    });
    return toThreadActionResponse(link);
  }

  /** Ids of the user's threads holding the action (404 for someone else's action). */
  async threadIdsHolding(userId: string, actionId: string): Promise<string[]> {
    await this.actions.getOwned(userId, actionId);
    return this.links.threadIdsOwnedHolding(userId, actionId);
  }

  /** Every thread holding the action, whoever asks: the rooms its chunks go to. */
  audienceOf(actionId: string): Promise<string[]> {
    return this.links.threadIdsHolding(actionId);
  }
}
