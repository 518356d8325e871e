import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, IsNull, Not, Repository } from 'typeorm';
import { Page, PageQueryDto, paginate } from '../common/pagination/pagination';
import { LlmServiceEntity } from './llm-service.entity';

/** Services a user can see and use: their own and the global ones. */
const VISIBLE = new Brackets((qb) => qb.where('s.ownerId = :userId').orWhere('s.ownerId IS NULL'));

@Injectable()
export class LlmServicesRepository {
  constructor(@InjectRepository(LlmServiceEntity) private readonly repo: Repository<LlmServiceEntity>) {}

  insert(fields: Omit<LlmServiceEntity, 'createdAt' | 'updatedAt'>): Promise<LlmServiceEntity> {
    return this.repo.save(this.repo.create(fields));
  }

  async update(
    id: string,
    fields: Partial<Omit<LlmServiceEntity, 'id' | 'ownerId' | 'createdAt' | 'updatedAt'>>,
  ): Promise<void> {
    await this.repo.update({ id }, fields);
  }

  /** The user's own service or a global one; null for anybody else's. */
  findVisible(userId: string, id: string): Promise<LlmServiceEntity | null> {
    return this.repo
      .createQueryBuilder('s')
      .where('s.id = :id', { id })
      .andWhere(VISIBLE)
      .setParameters({ userId })
      .getOne();
  }

  listVisible(userId: string, page: PageQueryDto): Promise<Page<LlmServiceEntity>> {
    return paginate(this.repo.createQueryBuilder('s').where(VISIBLE).setParameters({ userId }), page);
  }

  /** Whether the owner (null: the global namespace) already has a service of that name, other than `exceptId`. */
  nameTaken(ownerId: string | null, name: string, exceptId?: string): Promise<boolean> {
    return this.repo.exists({
      where: {
        ownerId: ownerId === null ? IsNull() : ownerId,
        name,
        ...(exceptId ? { id: Not(exceptId) } : {}),
      },
    });
  }

  async delete(id: string): Promise<void> {
    await this.repo.delete({ id });
  }
}
