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
import { PersonalAccessTokenEntity, TokenScope } from './personal-access-token.entity';

/** What a request's credential check needs of a personal access token and its user. */
export interface TokenCredential {
  tokenId: string;
  scopes: TokenScope[];
  /** The user's password version when the token was made. */
  passwordVersion: number;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  user: CredentialUser;
}

interface TokenCredentialRow extends CredentialUserRow {
  token_id: string;
  scopes: TokenScope[];
  token_password_version: number;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** Plain SQL for the same reason as the session check: it runs on every request. */
const TOKEN_CREDENTIAL_SQL = `
  SELECT t.id AS token_id, t.scopes, t.password_version AS token_password_version,
         t.expires_at, t.last_used_at, t.revoked_at,
         ${CREDENTIAL_USER_COLUMNS}
    FROM personal_access_tokens t
    JOIN users u ON u.id = t.user_id
   WHERE t.token_hash = $1`;

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

  /** The token and its user in one plain query: every request made with a token runs it. */
  async findCredential(tokenHash: string): Promise<TokenCredential | null> {
    const rows = (await this.repo.query(TOKEN_CREDENTIAL_SQL, [tokenHash])) as TokenCredentialRow[];
    const row = rows[0];
    if (!row) return null;
    return {
      tokenId: row.token_id,
      scopes: row.scopes,
      passwordVersion: row.token_password_version,
      expiresAt: row.expires_at,
      lastUsedAt: row.last_used_at,
      revokedAt: row.revoked_at,
      user: toCredentialUser(row),
    };
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
