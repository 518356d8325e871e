import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, Repository, SelectQueryBuilder } from 'typeorm';
import { Page, PageQueryDto, paginate } from '../common/pagination/pagination';
import { LlmModelEntity } from './llm-model.entity';

/** Models of the services a user can use: their own and the global ones. */
const USABLE = new Brackets((qb) => qb.where('s.ownerId = :userId').orWhere('s.ownerId IS NULL'));

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
  findUsableByName(userId: string, serviceName: string, modelName: string): Promise<LlmModelEntity | null> {
    return this.usable(userId)
      .andWhere('s.name = :serviceName', { serviceName })
      .andWhere('m.name = :modelName', { modelName })
      .orderBy('s.ownerId IS NULL', 'ASC')
      .getOne();
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
