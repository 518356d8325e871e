import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { keysetSql, Page, PageQueryDto, toKeysetPage } from '../common/pagination/pagination';
import { WorkspaceEntity } from './workspace.entity';

interface WorkspaceRow {
  id: string;
  name: string;
  owner_id: string;
  created_at: Date;
}

const toWorkspaceEntity = (row: WorkspaceRow): WorkspaceEntity =>
  Object.assign(new WorkspaceEntity(), {
    id: row.id,
    name: row.name,
    ownerId: row.owner_id,
    createdAt: row.created_at,
  });

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

  /** Plain SQL: one of the most called lists (every client start), measured in bench/http. */
  async listOwned(ownerId: string, page: PageQueryDto): Promise<Page<WorkspaceEntity>> {
    const keyset = keysetSql(page, 2);
    const rows = (await this.repo.query(
      `SELECT id, name, owner_id, created_at FROM workspaces WHERE owner_id = $1${keyset.sql}`,
      [ownerId, ...keyset.params],
    )) as WorkspaceRow[];
    return toKeysetPage(rows.map(toWorkspaceEntity), keyset.limit);
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
