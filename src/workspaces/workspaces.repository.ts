import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Page, PageQueryDto, paginate } from '../common/pagination/pagination';
import { WorkspaceEntity } from './workspace.entity';

@Injectable()
export class WorkspacesRepository {
  constructor(@InjectRepository(WorkspaceEntity) private readonly repo: Repository<WorkspaceEntity>) {}

  create(ownerId: string, name: string, em?: EntityManager): Promise<WorkspaceEntity> {
    const repo = em ? em.getRepository(WorkspaceEntity) : this.repo;
    return repo.save(repo.create({ ownerId, name }));
  }

  findOwned(ownerId: string, id: string): Promise<WorkspaceEntity | null> {
    return this.repo.findOne({ where: { id, ownerId } });
  }

  listOwned(ownerId: string, page: PageQueryDto): Promise<Page<WorkspaceEntity>> {
    return paginate(this.repo.createQueryBuilder('w').where('w.ownerId = :ownerId', { ownerId }), page);
  }

  /** Every workspace of the owner, newest first, for the login summary (bounded). */
  listAllOwned(ownerId: string, max: number): Promise<WorkspaceEntity[]> {
    return this.repo.find({ where: { ownerId }, order: { createdAt: 'DESC', id: 'DESC' }, take: max });
  }

  async rename(ownerId: string, id: string, name: string): Promise<void> {
    await this.repo.update({ id, ownerId }, { name });
  }

  async deleteOwned(ownerId: string, id: string, em?: EntityManager): Promise<boolean> {
    const repo = em ? em.getRepository(WorkspaceEntity) : this.repo;
    const result = await repo.delete({ id, ownerId });
    return (result.affected ?? 0) > 0;
  }
}
