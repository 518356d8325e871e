import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { Page, PageQueryDto, paginate } from '../common/pagination/pagination';
import { UserEntity } from '../users/user.entity';
import { WebSessionEntity } from './web-session.entity';

export interface SessionWithUser {
  session: WebSessionEntity;
  user: UserEntity;
}

@Injectable()
export class SessionsRepository {
  constructor(@InjectRepository(WebSessionEntity) private readonly repo: Repository<WebSessionEntity>) {}

  create(
    fields: Omit<WebSessionEntity, 'id' | 'revokedAt'> & { id?: string },
    em?: EntityManager,
  ): Promise<WebSessionEntity> {
    const repo = em ? em.getRepository(WebSessionEntity) : this.repo;
    return repo.save(repo.create({ ...fields, revokedAt: null }));
  }

  findById(id: string): Promise<WebSessionEntity | null> {
    return this.repo.findOne({ where: { id } });
  }

  /** The session and its user in one query: the check every authenticated request makes. */
  async findWithUser(userId: string, sessionId: string): Promise<SessionWithUser | null> {
    const row = await this.repo
      .createQueryBuilder('s')
      .innerJoinAndMapOne('s.user', UserEntity, 'u', 'u.id = s.userId')
      .where('s.id = :sessionId AND s.userId = :userId', { sessionId, userId })
      .getOne();
    if (!row) return null;
    const { user, ...session } = row as WebSessionEntity & { user: UserEntity };
    return { session: session as WebSessionEntity, user };
  }

  /**
   * Swaps the refresh token hash only if it is still the one presented: two
   * concurrent refreshes with one token cannot both win.
   */
  async rotateRefresh(
    id: string,
    oldHash: string,
    newHash: string,
    expiresAt: Date,
    now: Date,
  ): Promise<boolean> {
    const result = await this.repo
      .createQueryBuilder()
      .update(WebSessionEntity)
      .set({ refreshTokenHash: newHash, expiresAt, lastSeenAt: now })
      .where('id = :id AND refresh_token_hash = :oldHash AND revoked_at IS NULL', { id, oldHash })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  async touch(id: string, now: Date): Promise<void> {
    await this.repo.update({ id }, { lastSeenAt: now });
  }

  async revoke(userId: string, id: string, now: Date): Promise<boolean> {
    const result = await this.repo.update({ id, userId, revokedAt: IsNull() }, { revokedAt: now });
    return (result.affected ?? 0) > 0;
  }

  async revokeAllForUser(userId: string, now: Date, em?: EntityManager): Promise<void> {
    const repo = em ? em.getRepository(WebSessionEntity) : this.repo;
    await repo.update({ userId, revokedAt: IsNull() }, { revokedAt: now });
  }

  listLive(userId: string, now: Date, page: PageQueryDto): Promise<Page<WebSessionEntity>> {
    const qb = this.repo
      .createQueryBuilder('s')
      .where('s.userId = :userId AND s.revokedAt IS NULL AND s.expiresAt > :now', { userId, now });
    return paginate(qb, page, { createdAtColumn: 'issuedAt' });
  }

  findLiveOwned(userId: string, id: string, now: Date): Promise<WebSessionEntity | null> {
    return this.repo
      .createQueryBuilder('s')
      .where('s.id = :id AND s.userId = :userId AND s.revokedAt IS NULL AND s.expiresAt > :now', {
        id,
        userId,
        now,
      })
      .getOne();
  }
}
