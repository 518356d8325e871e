import { Injectable } from '@nestjs/common';
import { badRequest, notFound } from '../common/errors/problem';
import {
  ActionHandlerResponseDto,
  HandlerConfigurationResponseDto,
  toActionHandlerResponse,
  toHandlerConfigurationResponse,
} from './dto/action.dto';
import type { ActionHandler } from './handlers/action-handler';
import { ActionHandlerRegistry } from './handlers/action-handler.registry';
import { HandlerConfigurationsRepository } from './handler-configurations.repository';

@Injectable()
export class ActionHandlersService {
  constructor(
    private readonly registry: ActionHandlerRegistry,
    private readonly configurations: HandlerConfigurationsRepository,
  ) {}

  list(): ActionHandlerResponseDto[] {
    return this.registry.list().map(toActionHandlerResponse);
  }

  require(name: string): ActionHandler {
    return this.registry.require(name);
  }

  validateRequest(name: string, request: unknown): unknown {
    return this.registry.validateRequest(name, request);
  }

  /** The user's stored configuration with the schema's defaults filled in (`{}` when none). */
  async effectiveConfiguration(userId: string, name: string): Promise<Record<string, unknown>> {
    const stored = await this.configurations.findOwned(userId, name);
    try {
      return this.registry.validateConfig(name, stored?.configuration ?? {});
    } catch {
      // Stored before the schema changed: the handler gets it as it is rather than nothing.
      return stored?.configuration ?? {};
    }
  }

  async getConfiguration(userId: string, name: string): Promise<HandlerConfigurationResponseDto> {
    this.requireForRoute(name);
    return toHandlerConfigurationResponse(name, await this.configurations.findOwned(userId, name));
  }

  async putConfiguration(
    userId: string,
    name: string,
    configuration: unknown,
  ): Promise<HandlerConfigurationResponseDto> {
    this.requireForRoute(name);
    configuration = unwrapEnvelope(configuration);
    if (typeof configuration !== 'object' || configuration === null || Array.isArray(configuration)) {
      throw badRequest('The configuration must be a JSON object', [
        { field: 'configuration', message: 'must be an object' },
      ]);
    }
    this.registry.validateConfig(name, configuration);
    const saved = await this.configurations.upsert(userId, name, configuration as Record<string, unknown>);
    return toHandlerConfigurationResponse(name, saved);
  }

  /** In a path, an unknown handler is a missing resource. */
  private requireForRoute(name: string): void {
    if (!this.registry.has(name)) throw notFound('Action handler');
  }
}

/**
 * GET answers `{ handlerName, configuration, createdAt, updatedAt }`; a client
 * that edits that and PUTs it back is understood, as is the bare object.
 */
function unwrapEnvelope(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const { configuration, handlerName, createdAt, updatedAt, ...rest } = body as Record<string, unknown>;
  const isEnvelope =
    Object.keys(rest).length === 0 &&
    typeof configuration === 'object' &&
    configuration !== null &&
    [handlerName, createdAt, updatedAt].every((v) => v === undefined || typeof v === 'string' || v === null);
  return isEnvelope ? configuration : body;
}
