import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import { ActionEntity, FinalActionStatus } from './action.entity';

export interface NewAction {
  handlerName: string;
  title: string | null;
  request: unknown;
  rawText: string | null;
}

@Injectable()
export class ActionsRepository {
  constructor(@InjectRepository(ActionEntity) private readonly repo: Repository<ActionEntity>) {}

  create(userId: string, action: NewAction, em?: EntityManager): Promise<ActionEntity> {
    const repo = em ? em.getRepository(ActionEntity) : this.repo;
    return repo.save(
      repo.create({ userId, ...action, status: 'running', isCompleted: false, heartbeatAt: new Date() }),
    );
  }

  findOwned(userId: string, id: string): Promise<ActionEntity | null> {
    return this.repo.findOne({ where: { id, userId } });
  }

  async rename(userId: string, id: string, title: string): Promise<void> {
    await this.repo.update({ id, userId }, { title });
  }

  /** Ends a running action; null when it had already ended (recovered, cancelled elsewhere). */
  async complete(id: string, status: FinalActionStatus, em?: EntityManager): Promise<Date | null> {
    const repo = em ? em.getRepository(ActionEntity) : this.repo;
    // Set from here (ms precision, like the column) rather than read back: RETURNING is not portable across both drivers.
    const completedAt = new Date();
    const result = await repo.update({ id, status: 'running' }, { status, isCompleted: true, completedAt });
    return (result.affected ?? 0) > 0 ? completedAt : null;
  }

  async touchHeartbeats(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.repo.update({ id: In(ids), status: 'running' }, { heartbeatAt: () => 'now()' });
  }

  /** Running actions whose process stopped refreshing them (crashed), oldest first, locked for this transaction. */
  findStaleRunning(staleBefore: Date, max: number, em: EntityManager): Promise<ActionEntity[]> {
    return em
      .getRepository(ActionEntity)
      .createQueryBuilder('a')
      .where('a.status = :running', { running: 'running' })
      .andWhere('(a.heartbeatAt IS NULL OR a.heartbeatAt < :staleBefore)', { staleBefore })
      .orderBy('a.createdAt', 'ASC')
      .take(max)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }

  /** Whether a running action's heartbeat is stale (its process is gone). */
  async isStaleRunning(id: string, staleBefore: Date): Promise<boolean> {
    const count = await this.repo
      .createQueryBuilder('a')
      .where('a.id = :id AND a.status = :running', { id, running: 'running' })
      .andWhere('(a.heartbeatAt IS NULL OR a.heartbeatAt < :staleBefore)', { staleBefore })
      .getCount();
    return count > 0;
  }
}
