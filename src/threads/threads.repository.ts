import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Page, PageQueryDto, paginate } from '../common/pagination/pagination';
import { ThreadEntity } from './thread.entity';

@Injectable()
export class ThreadsRepository {
  constructor(@InjectRepository(ThreadEntity) private readonly repo: Repository<ThreadEntity>) {}

  create(userId: string, title: string, description: string): Promise<ThreadEntity> {
    return this.repo.save(this.repo.create({ userId, title, description }));
  }

  findOwned(userId: string, id: string): Promise<ThreadEntity | null> {
    return this.repo.findOne({ where: { id, userId } });
  }

  /** The user's thread, row-locked for the transaction: serialises changes to its action order. */
  lockOwned(userId: string, id: string, em: EntityManager): Promise<ThreadEntity | null> {
    return em
      .getRepository(ThreadEntity)
      .createQueryBuilder('t')
      .where('t.id = :id AND t.userId = :userId', { id, userId })
      .setLock('pessimistic_write')
      .getOne();
  }

  listOwned(userId: string, page: PageQueryDto): Promise<Page<ThreadEntity>> {
    return paginate(this.repo.createQueryBuilder('t').where('t.userId = :userId', { userId }), page);
  }

  async update(
    userId: string,
    id: string,
    changes: Partial<Pick<ThreadEntity, 'title' | 'description'>>,
  ): Promise<void> {
    if (Object.keys(changes).length === 0) return;
    await this.repo.update({ id, userId }, changes);
  }

  async deleteOwned(userId: string, id: string): Promise<boolean> {
    const result = await this.repo.delete({ id, userId });
    return (result.affected ?? 0) > 0;
  }
}
