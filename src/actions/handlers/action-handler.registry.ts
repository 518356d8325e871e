import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import type { ValidateFunction } from 'ajv';
import { badRequest } from '../../common/errors/problem';
import { validationProblem } from '../../common/validation/validation';
import { ACTION_HANDLER_METADATA, ActionHandler } from './action-handler';
import { createSchemaCompiler, schemaErrors } from './json-schema-validator';

interface RegisteredHandler {
  handler: ActionHandler;
  validateRequest: ValidateFunction;
  validateConfig: ValidateFunction;
}

/**
 * Every provider marked `@ActionHandlerProvider()`, in any module, found at
 * start-up through Nest's discovery: adding a handler never touches this file.
 */
@Injectable()
export class ActionHandlerRegistry implements OnModuleInit {
  private readonly byName = new Map<string, RegisteredHandler>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const compile = createSchemaCompiler();
    for (const wrapper of this.discovery.getProviders()) {
      const { metatype, instance } = wrapper;
      if (!metatype || !instance || typeof metatype !== 'function') continue;
      if (!this.reflector.get<boolean | undefined>(ACTION_HANDLER_METADATA, metatype)) continue;
      const handler = instance as ActionHandler;
      if (this.byName.has(handler.name)) {
        throw new Error(`Two action handlers are named "${handler.name}"`);
      }
      this.byName.set(handler.name, {
        handler,
        validateRequest: compile(handler.requestSchema),
        validateConfig: compile(handler.configSchema),
      });
    }
  }

  list(): ActionHandler[] {
    return [...this.byName.values()].map((r) => r.handler).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The handler, or a 400 naming the field (an unknown handler is a bad request, not a missing resource). */
  require(name: string, field = 'handler'): ActionHandler {
    const found = this.byName.get(name);
    if (!found) {
      throw badRequest(`Unknown action handler "${name}"`, [
        { field, message: `unknown handler; known: ${[...this.byName.keys()].sort().join(', ')}` },
      ]);
    }
    return found.handler;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** A copy of the request with schema defaults filled in, or a 400 with one error per field. */
  validateRequest(name: string, request: unknown): unknown {
    return this.validate(name, 'validateRequest', 'request', request);
  }

  validateConfig(name: string, config: unknown): Record<string, unknown> {
    return this.validate(name, 'validateConfig', 'configuration', config) as Record<string, unknown>;
  }

  private validate(
    name: string,
    which: 'validateRequest' | 'validateConfig',
    field: string,
    value: unknown,
  ): unknown {
    this.require(name);
    const validateFn = this.byName.get(name)![which];
    const copy = structuredClone(value);
    if (!validateFn(copy)) throw validationProblem(schemaErrors(field, validateFn.errors));
    return copy;
  }
}
