import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ActionHandlerConfigurationEntity } from './action-handler-configuration.entity';

@Injectable()
export class HandlerConfigurationsRepository {
  constructor(
    @InjectRepository(ActionHandlerConfigurationEntity)
    private readonly repo: Repository<ActionHandlerConfigurationEntity>,
  ) {}

  findOwned(userId: string, handlerName: string): Promise<ActionHandlerConfigurationEntity | null> {
    return this.repo.findOne({ where: { userId, handlerName } });
  }

  /** Inserts or replaces the user's configuration of one handler in one statement. */
  async upsert(
    userId: string,
    handlerName: string,
    configuration: Record<string, unknown>,
  ): Promise<ActionHandlerConfigurationEntity> {
    await this.repo
      .createQueryBuilder()
      .insert()
      .into(ActionHandlerConfigurationEntity)
      .values({
        userId,
        handlerName,
        configuration: configuration as ActionHandlerConfigurationEntity['configuration'] & object,
      })
      .orUpdate(['configuration', 'updated_at'], ['user_id', 'handler_name'])
      .updateEntity(false)
      .execute();
    return (await this.findOwned(userId, handlerName))!;
  }
}
