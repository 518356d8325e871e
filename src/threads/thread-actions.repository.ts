import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { ThreadActionEntity } from './thread-action.entity';
import { ThreadEntity } from './thread.entity';

/**
 * Links between threads and actions. Orders are 0, 1, 2 … dense and unique
 * per thread; every method that changes them runs in a transaction that has
 * locked the thread row (ThreadsRepository.lockOwned).
 */
@Injectable()
export class ThreadActionsRepository {
  constructor(@InjectRepository(ThreadActionEntity) private readonly repo: Repository<ThreadActionEntity>) {}

  async appendLast(threadId: string, actionId: string, em: EntityManager): Promise<ThreadActionEntity> {
    const repo = em.getRepository(ThreadActionEntity);
    const row = await repo
      .createQueryBuilder('l')
      .select('MAX(l.displayOrder)', 'max')
      .where('l.threadId = :threadId', { threadId })
      .getRawOne<{ max: number | string | null }>();
    const displayOrder = row?.max === null || row?.max === undefined ? 0 : Number(row.max) + 1;
    return repo.save(repo.create({ threadId, actionId, displayOrder }));
  }

  findLink(threadId: string, actionId: string, em?: EntityManager): Promise<ThreadActionEntity | null> {
    const repo = em ? em.getRepository(ThreadActionEntity) : this.repo;
    return repo.findOne({ where: { threadId, actionId }, relations: { action: true } });
  }

  /** The thread's links with their actions, in display order, in one query. */
  listWithActions(threadId: string): Promise<ThreadActionEntity[]> {
    return this.repo
      .createQueryBuilder('l')
      .innerJoinAndSelect('l.action', 'a')
      .where('l.threadId = :threadId', { threadId })
      .orderBy('l.displayOrder', 'ASC')
      .getMany();
  }

  async count(threadId: string, em: EntityManager): Promise<number> {
    return em.getRepository(ThreadActionEntity).count({ where: { threadId } });
  }

  /** Removes the link and closes the gap it leaves. */
  async remove(link: ThreadActionEntity, em: EntityManager): Promise<void> {
    const repo = em.getRepository(ThreadActionEntity);
    await repo.delete({ threadId: link.threadId, actionId: link.actionId });
    await repo
      .createQueryBuilder()
      .update(ThreadActionEntity)
      .set({ displayOrder: () => 'display_order - 1' })
      .where('thread_id = :threadId AND display_order > :from', {
        threadId: link.threadId,
        from: link.displayOrder,
      })
      .execute();
  }

  /** Moves a link to `to` (already clamped to 0…count-1), shifting the ones in between by one. */
  async move(link: ThreadActionEntity, to: number, em: EntityManager): Promise<void> {
    const from = link.displayOrder;
    if (to === from) return;
    const repo = em.getRepository(ThreadActionEntity);
    const shift = repo.createQueryBuilder().update(ThreadActionEntity).where('thread_id = :threadId', {
      threadId: link.threadId,
    });
    if (to < from) {
      await shift
        .set({ displayOrder: () => 'display_order + 1' })
        .andWhere('display_order >= :to AND display_order < :from', { to, from })
        .execute();
    } else {
      await shift
        .set({ displayOrder: () => 'display_order - 1' })
        .andWhere('display_order > :from AND display_order <= :to', { to, from })
        .execute();
    }
    await repo.update({ threadId: link.threadId, actionId: link.actionId }, { displayOrder: to });
  }

  async setVisibility(
    link: ThreadActionEntity,
    changes: Partial<Pick<ThreadActionEntity, 'showQuestion' | 'showAnswer'>>,
    em: EntityManager,
  ): Promise<void> {
    if (Object.keys(changes).length === 0) return;
    await em
      .getRepository(ThreadActionEntity)
      .update({ threadId: link.threadId, actionId: link.actionId }, changes);
  }

  /** Ids of the user's threads holding the action, in the order it was added to them. */
  async threadIdsOwnedHolding(userId: string, actionId: string): Promise<string[]> {
    const rows = await this.repo
      .createQueryBuilder('l')
      .innerJoin(ThreadEntity, 't', 't.id = l.threadId')
      .select('l.threadId', 'threadId')
      .where('l.actionId = :actionId AND t.userId = :userId', { actionId, userId })
      .orderBy('l.createdAt', 'ASC')
      .addOrderBy('l.threadId', 'ASC')
      .getRawMany<{ threadId: string }>();
    return rows.map((r) => r.threadId);
  }

  /** Every thread holding the action: where its chunks are broadcast. */
  async threadIdsHolding(actionId: string): Promise<string[]> {
    const rows = await this.repo.find({ select: { threadId: true }, where: { actionId } });
    return rows.map((r) => r.threadId);
  }
}
