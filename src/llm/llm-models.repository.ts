import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, Repository, SelectQueryBuilder } from 'typeorm';
import { Page, PageQueryDto, paginate } from '../common/pagination/pagination';
import { LlmModelEntity } from './llm-model.entity';
import { LlmServiceEntity } from './llm-service.entity';

/** Models of the services a user can use: their own and the global ones. */
const USABLE = new Brackets((qb) => qb.where('s.ownerId = :userId').orWhere('s.ownerId IS NULL'));

/**
 * The gateway's model resolution, in plain SQL on purpose: it runs on every
 * `/v1/chat/completions` call, and TypeORM's query building and hydration
 * cost more CPU than the query itself. The user's own service sorts first.
 */
const USABLE_BY_NAME_SQL = `
  SELECT m.id, m.service_id, m.name, m.modality, m.supports_tools, m.context_window, m.created_at,
         s.name AS s_name, s.provider AS s_provider, s.base_url AS s_base_url,
         s.api_key_encrypted AS s_api_key_encrypted, s.api_key_last4 AS s_api_key_last4,
         s.auth_ref AS s_auth_ref, s.owner_id AS s_owner_id,
         s.created_at AS s_created_at, s.updated_at AS s_updated_at
    FROM llm_models m
    JOIN llm_services s ON s.id = m.service_id
   WHERE (s.owner_id = $1 OR s.owner_id IS NULL) AND s.name = $2 AND m.name = $3
   ORDER BY s.owner_id IS NULL ASC
   LIMIT 1`;

interface UsableModelRow {
  id: string;
  service_id: string;
  name: string;
  modality: LlmModelEntity['modality'];
  supports_tools: boolean;
  context_window: number | null;
  created_at: Date;
  s_name: string;
  s_provider: LlmServiceEntity['provider'];
  s_base_url: string;
  s_api_key_encrypted: string | null;
  s_api_key_last4: string | null;
  s_auth_ref: string | null;
  s_owner_id: string | null;
  s_created_at: Date;
  s_updated_at: Date;
}

@Injectable()
export class LlmModelsRepository {
  constructor(@InjectRepository(LlmModelEntity) private readonly repo: Repository<LlmModelEntity>) {}

  async insert(
    fields: Pick<LlmModelEntity, 'serviceId' | 'name' | 'modality' | 'supportsTools' | 'contextWindow'>,
  ): Promise<string> {
    const saved = await this.repo.save(this.repo.create(fields));
    return saved.id;
  }

  async update(
    id: string,
    fields: Partial<Pick<LlmModelEntity, 'name' | 'modality' | 'supportsTools' | 'contextWindow'>>,
  ): Promise<void> {
    await this.repo.update({ id }, fields);
  }

  async delete(id: string): Promise<void> {
    await this.repo.delete({ id });
  }

  /** A model with its service loaded, if the user may use it. */
  findUsable(userId: string, id: string): Promise<LlmModelEntity | null> {
    return this.usable(userId).andWhere('m.id = :id', { id }).getOne();
  }

  /**
   * The gateway's `<serviceName>/<modelName>`: the user's own service wins
   * over a global one of the same name.
   */
  async findUsableByName(
    userId: string,
    serviceName: string,
    modelName: string,
  ): Promise<LlmModelEntity | null> {
    const rows = (await this.repo.query(USABLE_BY_NAME_SQL, [
      userId,
      serviceName,
      modelName,
    ])) as UsableModelRow[];
    const row = rows[0];
    if (!row) return null;
    return Object.assign(new LlmModelEntity(), {
      id: row.id,
      serviceId: row.service_id,
      name: row.name,
      modality: row.modality,
      supportsTools: row.supports_tools,
      contextWindow: row.context_window,
      createdAt: row.created_at,
      service: Object.assign(new LlmServiceEntity(), {
        id: row.service_id,
        name: row.s_name,
        provider: row.s_provider,
        baseUrl: row.s_base_url,
        apiKeyEncrypted: row.s_api_key_encrypted,
        apiKeyLast4: row.s_api_key_last4,
        authRef: row.s_auth_ref,
        ownerId: row.s_owner_id,
        createdAt: row.s_created_at,
        updatedAt: row.s_updated_at,
      }),
    });
  }

  listUsable(userId: string, page: PageQueryDto): Promise<Page<LlmModelEntity>> {
    return paginate(this.usable(userId), page);
  }

  /** Every usable model, newest first, bounded (the gateway's model list is not paginated). */
  listAllUsable(userId: string, max: number): Promise<LlmModelEntity[]> {
    return this.usable(userId).orderBy('m.createdAt', 'DESC').addOrderBy('m.id', 'DESC').take(max).getMany();
  }

  listForService(serviceId: string, page: PageQueryDto): Promise<Page<LlmModelEntity>> {
    return paginate(
      this.repo
        .createQueryBuilder('m')
        .innerJoinAndSelect('m.service', 's')
        .where('m.serviceId = :serviceId', { serviceId }),
      page,
    );
  }

  private usable(userId: string): SelectQueryBuilder<LlmModelEntity> {
    return this.repo
      .createQueryBuilder('m')
      .innerJoinAndSelect('m.service', 's')
      .where(USABLE)
      .setParameters({ userId });
  }
}
