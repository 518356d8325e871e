import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../auth/auth-user';
import { badRequest, conflict, forbidden, notFound } from '../common/errors/problem';
import { mapPage, Page, PageQueryDto } from '../common/pagination/pagination';
import {
  CreateLlmModelDto,
  LlmModelResponseDto,
  toLlmModelResponse,
  UpdateLlmModelDto,
} from './dto/llm-model.dto';
import {
  CreateLlmServiceDto,
  LlmServiceResponseDto,
  toLlmServiceResponse,
  UpdateLlmServiceDto,
} from './dto/llm-service.dto';
import { InvalidationBus } from '../redis/invalidation-bus';
import { LLM_CATALOG_CHANGED } from './llm-catalog.events';
import { LlmConnections } from './llm-connections';
import type { LlmModelEntity } from './llm-model.entity';
import { LlmModelsRepository } from './llm-models.repository';
import type { LlmProvider, LlmServiceEntity } from './llm-service.entity';
import { LlmServicesRepository } from './llm-services.repository';

/** Where a service lives when the caller gives no base URL. */
const DEFAULT_BASE_URLS: Partial<Record<LlmProvider, string>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
};
/** Providers whose API always wants a credential; `openai-compatible` servers may not. */
const NEEDS_CREDENTIAL: ReadonlySet<LlmProvider> = new Set(['openai', 'anthropic']);

const isAdmin = (me: AuthUser): boolean => me.role === 'admin';
/** The last four characters, only when that cannot give the key away: a short key shows nothing. */
const MIN_KEY_LENGTH_FOR_HINT = 12;
const lastFour = (key: string): string | null =>
  key.length >= MIN_KEY_LENGTH_FOR_HINT ? key.slice(-4) : null;

/**
 * The registry of LLM services and models: who may see, create and change
 * what. Own services are private to their owner (404 for anybody else);
 * global services are visible to everyone and changed by administrators only.
 */
@Injectable()
export class LlmCatalogService {
  constructor(
    private readonly services: LlmServicesRepository,
    private readonly models: LlmModelsRepository,
    private readonly connections: LlmConnections,
    private readonly bus: InvalidationBus,
  ) {}

  async listServices(me: AuthUser, page: PageQueryDto): Promise<Page<LlmServiceResponseDto>> {
    return mapPage(await this.services.listVisible(me.id, page), toLlmServiceResponse);
  }

  async getService(me: AuthUser, id: string): Promise<LlmServiceResponseDto> {
    return toLlmServiceResponse(await this.getVisibleService(me.id, id));
  }

  async createService(me: AuthUser, dto: CreateLlmServiceDto): Promise<LlmServiceResponseDto> {
    const global = dto.global === true || dto.ownerId === null;
    if (dto.global === false && dto.ownerId === null) {
      throw badRequest('global and ownerId disagree', [
        { field: 'ownerId', message: 'ownerId null means global' },
      ]);
    }
    if (typeof dto.ownerId === 'string' && dto.ownerId !== me.id) {
      throw badRequest('ownerId can only be you or null (global)', [
        { field: 'ownerId', message: 'ownerId can only be you or null (global)' },
      ]);
    }
    if (global && !isAdmin(me)) throw forbidden('Only administrators can create global services');
    this.checkCredentialFields(me, dto.apiKey, dto.authRef);

    const baseUrl = this.baseUrlFor(dto.provider, dto.baseUrl);
    if (NEEDS_CREDENTIAL.has(dto.provider) && !dto.apiKey && !dto.authRef) {
      throw badRequest(`A ${dto.provider} service needs an apiKey`, [
        { field: 'apiKey', message: `a ${dto.provider} service needs an apiKey (or an authRef)` },
      ]);
    }
    await this.connections.checkBaseUrl(baseUrl);
    const ownerId = global ? null : me.id;
    if (await this.services.nameTaken(ownerId, dto.name))
      throw conflict(`A service named "${dto.name}" exists`);

    const id = randomUUID();
    const saved = await this.services.insert({
      id,
      name: dto.name,
      provider: dto.provider,
      baseUrl,
      apiKeyEncrypted: dto.apiKey ? this.connections.sealApiKey(id, dto.apiKey) : null,
      apiKeyLast4: dto.apiKey ? lastFour(dto.apiKey) : null,
      authRef: dto.authRef ?? null,
      ownerId,
    });
    this.changed();
    return toLlmServiceResponse(saved);
  }

  async updateService(me: AuthUser, id: string, dto: UpdateLlmServiceDto): Promise<LlmServiceResponseDto> {
    const service = await this.getManageableService(me, id);
    this.checkCredentialFields(me, dto.apiKey ?? undefined, dto.authRef ?? undefined);

    const changes: Partial<LlmServiceEntity> = {};
    if (dto.name !== undefined && dto.name !== service.name) {
      if (await this.services.nameTaken(service.ownerId, dto.name, id)) {
        throw conflict(`A service named "${dto.name}" exists`);
      }
      changes.name = dto.name;
    }
    if (dto.provider !== undefined) changes.provider = dto.provider;
    if (dto.baseUrl !== undefined) {
      changes.baseUrl = normaliseBaseUrl(dto.baseUrl);
      await this.connections.checkBaseUrl(changes.baseUrl);
    }
    // A key and an authRef exclude each other: setting one drops the other.
    if (dto.apiKey !== undefined) {
      changes.apiKeyEncrypted = dto.apiKey === null ? null : this.connections.sealApiKey(id, dto.apiKey);
      changes.apiKeyLast4 = dto.apiKey === null ? null : lastFour(dto.apiKey);
      if (dto.apiKey !== null) changes.authRef = null;
    }
    if (dto.authRef !== undefined) {
      changes.authRef = dto.authRef;
      if (dto.authRef !== null) {
        changes.apiKeyEncrypted = null;
        changes.apiKeyLast4 = null;
      }
    }
    const next = { ...service, ...changes };
    if (NEEDS_CREDENTIAL.has(next.provider) && !next.apiKeyEncrypted && !next.authRef) {
      throw badRequest(`A ${next.provider} service needs an apiKey`, [
        { field: 'apiKey', message: `a ${next.provider} service needs an apiKey (or an authRef)` },
      ]);
    }
    if (Object.keys(changes).length > 0) {
      await this.services.update(id, changes);
      this.changed();
    }
    return toLlmServiceResponse(await this.getVisibleService(me.id, id));
  }

  async deleteService(me: AuthUser, id: string): Promise<void> {
    await this.getManageableService(me, id);
    await this.services.delete(id);
    this.changed();
  }

  async listServiceModels(
    me: AuthUser,
    serviceId: string,
    page: PageQueryDto,
  ): Promise<Page<LlmModelResponseDto>> {
    await this.getVisibleService(me.id, serviceId);
    return mapPage(await this.models.listForService(serviceId, page), toLlmModelResponse);
  }

  async createModel(me: AuthUser, serviceId: string, dto: CreateLlmModelDto): Promise<LlmModelResponseDto> {
    await this.getManageableService(me, serviceId);
    const id = await this.models.insert({
      serviceId,
      name: dto.name,
      modality: dto.modality ?? 'chat',
      supportsTools: dto.supportsTools ?? false,
      contextWindow: dto.contextWindow ?? null,
    });
    this.changed();
    return toLlmModelResponse(await this.getUsableModel(me.id, id));
  }

  async listModels(me: AuthUser, page: PageQueryDto): Promise<Page<LlmModelResponseDto>> {
    return mapPage(await this.models.listUsable(me.id, page), toLlmModelResponse);
  }

  async getModel(me: AuthUser, id: string): Promise<LlmModelResponseDto> {
    return toLlmModelResponse(await this.getUsableModel(me.id, id));
  }

  async updateModel(me: AuthUser, id: string, dto: UpdateLlmModelDto): Promise<LlmModelResponseDto> {
    const model = await this.getManageableModel(me, id);
    const changes: Partial<Pick<LlmModelEntity, 'name' | 'modality' | 'supportsTools' | 'contextWindow'>> =
      {};
    if (dto.name !== undefined) changes.name = dto.name;
    if (dto.modality !== undefined) changes.modality = dto.modality;
    if (dto.supportsTools !== undefined) changes.supportsTools = dto.supportsTools;
    if (dto.contextWindow !== undefined) changes.contextWindow = dto.contextWindow;
    if (Object.keys(changes).length > 0) {
      await this.models.update(model.id, changes);
      this.changed();
    }
    return toLlmModelResponse(await this.getUsableModel(me.id, id));
  }

  async deleteModel(me: AuthUser, id: string): Promise<void> {
    const model = await this.getManageableModel(me, id);
    await this.models.delete(model.id);
    this.changed();
  }

  /** After a stored change: model lookups cached by the invocation paths are dropped everywhere. */
  private changed(): void {
    this.bus.publish(LLM_CATALOG_CHANGED, null);
  }

  private async getVisibleService(userId: string, id: string): Promise<LlmServiceEntity> {
    const service = await this.services.findVisible(userId, id);
    if (!service) throw notFound('LLM service');
    return service;
  }

  /** Own services, and global ones for administrators; a global one answers 403 to others. */
  private async getManageableService(me: AuthUser, id: string): Promise<LlmServiceEntity> {
    const service = await this.getVisibleService(me.id, id);
    if (service.ownerId === null && !isAdmin(me))
      throw forbidden('Only administrators can change global services');
    return service;
  }

  private async getUsableModel(userId: string, id: string): Promise<LlmModelEntity> {
    const model = await this.models.findUsable(userId, id);
    if (!model) throw notFound('LLM model');
    return model;
  }

  private async getManageableModel(me: AuthUser, id: string): Promise<LlmModelEntity> {
    const model = await this.getUsableModel(me.id, id);
    if (model.service?.ownerId === null && !isAdmin(me)) {
      throw forbidden('Only administrators can change models of global services');
    }
    return model;
  }

  private checkCredentialFields(me: AuthUser, apiKey: string | undefined, authRef: string | undefined): void {
    if (apiKey !== undefined && authRef !== undefined) {
      throw badRequest('Give either apiKey or authRef, not both', [
        { field: 'authRef', message: 'give either apiKey or authRef, not both' },
      ]);
    }
    // authRef reads the server's environment: letting any user name a variable and a
    // base URL of their choosing would hand them the operator's secrets.
    if (authRef !== undefined && !isAdmin(me)) throw forbidden('Only administrators can use authRef');
  }

  private baseUrlFor(provider: LlmProvider, given: string | undefined): string {
    const url = given ?? DEFAULT_BASE_URLS[provider];
    if (!url) {
      throw badRequest('baseUrl is required for an openai-compatible service', [
        { field: 'baseUrl', message: 'baseUrl is required for an openai-compatible service' },
      ]);
    }
    return normaliseBaseUrl(url);
  }
}

/** The SDKs append their paths; a trailing slash would double one. */
const normaliseBaseUrl = (url: string): string => url.replace(/\/+$/, '');
