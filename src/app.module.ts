import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ActionsModule } from './actions/actions.module';
import { AuthModule } from './auth/auth.module';
import { AppConfigShape } from './config/config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LlmModule } from './llm/llm.module';
import { MetricsModule } from './metrics/metrics.module';
import { RealtimeModule } from './realtime/realtime.module';
import { RedisModule } from './redis/redis.module';
import { ThreadsModule } from './threads/threads.module';
import { UsersModule } from './users/users.module';
import { WorkspacesModule } from './workspaces/workspaces.module';

@Module({})
export class AppModule {
  /** `extraImports`: modules a test or benchmark adds (e.g. an extra action handler). */
  static forRoot(
    config: AppConfigShape,
    extraImports: NonNullable<DynamicModule['imports']> = [],
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        EventEmitterModule.forRoot(),
        RedisModule,
        DatabaseModule,
        HealthModule,
        MetricsModule,
        UsersModule,
        AuthModule,
        WorkspacesModule,
        ActionsModule,
        ThreadsModule,
        LlmModule,
        RealtimeModule,
        ...extraImports,
      ],
    };
  }
}
