import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ActionsModule } from '../actions/actions.module';
import { ActionThreadsController } from './action-threads.controller';
import { ThreadActionEntity } from './thread-action.entity';
import { ThreadActionsRepository } from './thread-actions.repository';
import { ThreadEntity } from './thread.entity';
import { ThreadsController } from './threads.controller';
import { ThreadsRepository } from './threads.repository';
import { ThreadsService } from './threads.service';

@Module({
  imports: [TypeOrmModule.forFeature([ThreadEntity, ThreadActionEntity]), ActionsModule],
  controllers: [ThreadsController, ActionThreadsController],
  providers: [ThreadsRepository, ThreadActionsRepository, ThreadsService],
  exports: [ThreadsService],
})
export class ThreadsModule {}
