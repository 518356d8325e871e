import { Injectable, SetMetadata, applyDecorators } from '@nestjs/common';

/** A JSON Schema (draft 2020-12 / ajv) describing a request or a configuration. */
export type JsonSchema = Record<string, unknown>;

/** One piece of an action's answer, as a handler yields it; the engine numbers and stores it. */
export interface ActionChunkInput {
  mime: string;
  text?: string;
  data?: Buffer;
}

export interface ActionHandlerContext<TRequest = unknown, TConfig = unknown> {
  actionId: string;
  userId: string;
  /** The request, already validated against `requestSchema`. */
  request: TRequest;
  /** The user's configuration for this handler (validated against `configSchema`), or `{}`. */
  config: TConfig;
  /** Aborted when the action is cancelled or the server drains. */
  signal: AbortSignal;
}

/**
 * A named command whose answer streams back in chunks. Adding one is writing
 * one class marked `@ActionHandlerProvider()` and listing it in a module's
 * providers: the registry discovers it.
 */
export interface ActionHandler<TRequest = unknown, TConfig = unknown> {
  readonly name: string;
  readonly description: string;
  readonly requestSchema: JsonSchema;
  readonly configSchema: JsonSchema;
  run(context: ActionHandlerContext<TRequest, TConfig>): AsyncIterable<ActionChunkInput>;
}

export const ACTION_HANDLER_METADATA = 'threadline:action-handler';

/** Marks an injectable class as an action handler for the registry to discover. */
export const ActionHandlerProvider = (): ClassDecorator =>
  applyDecorators(Injectable(), SetMetadata(ACTION_HANDLER_METADATA, true));
