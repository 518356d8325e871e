import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { Page, PageQueryDto, paginate } from '../common/pagination/pagination';
import {
  CREDENTIAL_USER_COLUMNS,
  CredentialUser,
  CredentialUserRow,
  toCredentialUser,
} from './credential-user';
import { WebSessionEntity } from './web-session.entity';

/** What a request's credential check needs of a session and its user, nothing more. */
export interface SessionCredential {
  sessionId: string;
  revokedAt: Date | null;
  expiresAt: Date;
  lastSeenAt: Date;
  user: CredentialUser;
}

interface SessionCredentialRow extends CredentialUserRow {
  session_id: string;
  revoked_at: Date | null;
  expires_at: Date;
  last_seen_at: Date;
}

/**
 * Plain SQL on purpose: this runs on every authenticated request and HTTP
 * benchmarks showed TypeORM's query building and entity hydration costing
 * more than the query itself.
 */
const SESSION_CREDENTIAL_SQL = `
  SELECT s.id AS session_id, s.revoked_at, s.expires_at, s.last_seen_at,
         ${CREDENTIAL_USER_COLUMNS}
    FROM web_sessions s
    JOIN users u ON u.id = s.user_id
   WHERE s.id = $1 AND s.user_id = $2`;

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
  async findCredential(userId: string, sessionId: string): Promise<SessionCredential | null> {
    const rows = (await this.repo.query(SESSION_CREDENTIAL_SQL, [
      sessionId,
      userId,
    ])) as SessionCredentialRow[];
    const row = rows[0];
    if (!row) return null;
    return {
      sessionId: row.session_id,
      revokedAt: row.revoked_at,
      expiresAt: row.expires_at,
      lastSeenAt: row.last_seen_at,
      user: toCredentialUser(row),
    };
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
