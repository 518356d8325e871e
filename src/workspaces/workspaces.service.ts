import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource, EntityManager } from 'typeorm';
import { notFound } from '../common/errors/problem';
import { mapPage, Page, PageQueryDto } from '../common/pagination/pagination';
import {
  CreateWorkspaceDto,
  toWorkspaceResponse,
  UpdateWorkspaceDto,
  WorkspaceResponseDto,
} from './dto/workspace.dto';
import { WorkspaceEntity } from './workspace.entity';
import { WORKSPACE_DELETED, WORKSPACE_DELETING, WorkspaceDeletedEvent } from './workspaces.events';
import { WorkspacesRepository } from './workspaces.repository';

export const DEFAULT_WORKSPACE_NAME = 'Default Workspace';

@Injectable()
export class WorkspacesService {
  constructor(
    private readonly workspaces: WorkspacesRepository,
    private readonly dataSource: DataSource,
    private readonly events: EventEmitter2,
  ) {}

  createDefault(ownerId: string, em?: EntityManager): Promise<WorkspaceEntity> {
    return this.workspaces.create(ownerId, DEFAULT_WORKSPACE_NAME, em);
  }

  async create(ownerId: string, dto: CreateWorkspaceDto): Promise<WorkspaceResponseDto> {
    return toWorkspaceResponse(await this.workspaces.create(ownerId, dto.name));
  }

  async list(ownerId: string, page: PageQueryDto): Promise<Page<WorkspaceResponseDto>> {
    return mapPage(await this.workspaces.listOwned(ownerId, page), toWorkspaceResponse);
  }

  /** The owner's workspace, or 404 — also for someone else's id. Other features call this to check access. */
  async getOwned(ownerId: string, id: string): Promise<WorkspaceEntity> {
    const workspace = await this.workspaces.findOwned(ownerId, id);
    if (!workspace) throw notFound('Workspace');
    return workspace;
  }

  async get(ownerId: string, id: string): Promise<WorkspaceResponseDto> {
    return toWorkspaceResponse(await this.getOwned(ownerId, id));
  }

  listAllOwned(ownerId: string, max = 100): Promise<WorkspaceEntity[]> {
    return this.workspaces.listAllOwned(ownerId, max);
  }

  async rename(ownerId: string, id: string, dto: UpdateWorkspaceDto): Promise<WorkspaceResponseDto> {
    await this.getOwned(ownerId, id);
    if (dto.name !== undefined) await this.workspaces.rename(ownerId, id, dto.name);
    return this.get(ownerId, id);
  }

  async delete(ownerId: string, id: string): Promise<void> {
    await this.getOwned(ownerId, id);
    const event: WorkspaceDeletedEvent = { workspaceId: id, ownerId };
    await this.dataSource.transaction(async (em) => {
      await this.events.emitAsync(WORKSPACE_DELETING, event, em);
      if (!(await this.workspaces.deleteOwned(ownerId, id, em))) throw notFound('Workspace');
    });
    await this.events.emitAsync(WORKSPACE_DELETED, event);
  }
}
