import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ActionChunksRepository } from './action-chunks.repository';
import { ActionHandlerConfigurationEntity } from './action-handler-configuration.entity';
import { ActionHandlersController } from './action-handlers.controller';
import { ActionHandlersService } from './action-handlers.service';
import { ActionResponseChunkEntity } from './action-response-chunk.entity';
import { ActionEntity } from './action.entity';
import { ActionsController } from './actions.controller';
import { ActionsRepository } from './actions.repository';
import { ActionsService } from './actions.service';
import { ActionRecovery } from './engine/action-recovery.service';
import { ActionStreamEngine } from './engine/action-stream.engine';
import { ActionHandlerRegistry } from './handlers/action-handler.registry';
import { EchoHandler } from './handlers/echo.handler';
import { HandlerConfigurationsRepository } from './handler-configurations.repository';

/**
 * Actions, their chunks and the streaming engine. Handlers living in other
 * modules (llm, prompts, documents) are found by the registry without being
 * listed here.
 */
@Module({
  imports: [
    DiscoveryModule,
    TypeOrmModule.forFeature([ActionEntity, ActionResponseChunkEntity, ActionHandlerConfigurationEntity]),
  ],
  controllers: [ActionsController, ActionHandlersController],
  providers: [
    ActionsRepository,
    ActionChunksRepository,
    HandlerConfigurationsRepository,
    ActionHandlerRegistry,
    ActionHandlersService,
    ActionStreamEngine,
    ActionRecovery,
    ActionsService,
    EchoHandler,
  ],
  exports: [ActionsService, ActionHandlersService, ActionStreamEngine],
})
export class ActionsModule {}
