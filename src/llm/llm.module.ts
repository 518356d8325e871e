import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OpenAiGatewayController } from './gateway/openai-gateway.controller';
import { OpenAiGatewayService } from './gateway/openai-gateway.service';
import { LlmActionHandler } from './llm-action.handler';
import { LlmCatalogService } from './llm-catalog.service';
import { LlmConnections } from './llm-connections';
import { LlmInvocationService } from './llm-invocation.service';
import { LlmInvokeController } from './llm-invoke.controller';
import { LlmModelEntity } from './llm-model.entity';
import { LlmModelsController } from './llm-models.controller';
import { LlmModelsRepository } from './llm-models.repository';
import { LlmServiceEntity } from './llm-service.entity';
import { LlmServicesController } from './llm-services.controller';
import { LlmServicesRepository } from './llm-services.repository';

/** LLM services and models (§10): registry, invocation, the OpenAI-compatible gateway and the `llm` action. */
@Module({
  imports: [TypeOrmModule.forFeature([LlmServiceEntity, LlmModelEntity])],
  controllers: [LlmServicesController, LlmModelsController, LlmInvokeController, OpenAiGatewayController],
  providers: [
    LlmServicesRepository,
    LlmModelsRepository,
    LlmConnections,
    LlmCatalogService,
    LlmInvocationService,
    OpenAiGatewayService,
    LlmActionHandler,
  ],
  exports: [LlmInvocationService],
})
export class LlmModule {}
