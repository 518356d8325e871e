import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { Page, PageQueryDto, paginate } from '../common/pagination/pagination';
import { UserEntity } from '../users/user.entity';
import { PersonalAccessTokenEntity } from './personal-access-token.entity';

@Injectable()
export class TokensRepository {
  constructor(
    @InjectRepository(PersonalAccessTokenEntity) private readonly repo: Repository<PersonalAccessTokenEntity>,
  ) {}

  create(
    fields: Omit<PersonalAccessTokenEntity, 'id' | 'createdAt' | 'lastUsedAt' | 'revokedAt'>,
  ): Promise<PersonalAccessTokenEntity> {
    return this.repo.save(this.repo.create({ ...fields, lastUsedAt: null, revokedAt: null }));
  }

  async findByHashWithUser(
    tokenHash: string,
  ): Promise<{ token: PersonalAccessTokenEntity; user: UserEntity } | null> {
    const row = await this.repo
      .createQueryBuilder('t')
      .innerJoinAndMapOne('t.user', UserEntity, 'u', 'u.id = t.userId')
      .where('t.tokenHash = :tokenHash', { tokenHash })
      .getOne();
    if (!row) return null;
    const { user, ...token } = row as PersonalAccessTokenEntity & { user: UserEntity };
    return { token: token as PersonalAccessTokenEntity, user };
  }

  listActive(userId: string, page: PageQueryDto): Promise<Page<PersonalAccessTokenEntity>> {
    return paginate(
      this.repo.createQueryBuilder('t').where('t.userId = :userId AND t.revokedAt IS NULL', { userId }),
      page,
    );
  }

  async revoke(userId: string, id: string, now: Date): Promise<boolean> {
    const result = await this.repo.update({ id, userId, revokedAt: IsNull() }, { revokedAt: now });
    return (result.affected ?? 0) > 0;
  }

  async revokeAllForUser(userId: string, now: Date, em?: EntityManager): Promise<void> {
    const repo = em ? em.getRepository(PersonalAccessTokenEntity) : this.repo;
    await repo.update({ userId, revokedAt: IsNull() }, { revokedAt: now });
  }

  async markUsed(id: string, now: Date): Promise<void> {
    await this.repo.update({ id }, { lastUsedAt: now });
  }
}
