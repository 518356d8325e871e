import { createSecretKey, KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { unauthorized } from '../common/errors/problem';
import { AppConfig } from '../config/app-config';
import type { AccessTokenPayload, AuthUser } from './auth-user';
import { toAuthUser } from './credential-user';
import { SessionsRepository } from './sessions.repository';
import { PAT_PREFIX, sha256Hex } from './token-crypto';
import { TokensRepository } from './tokens.repository';

/** lastSeenAt / lastUsedAt are written at most this often, not on every request. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Turns a bearer credential into the caller, with every check a credential
 * must pass: signature and expiry, a live (unrevoked, unexpired) session or
 * token, an active user, and a password version that has not moved on. HTTP
 * (through the passport strategy) and the Socket.IO handshake both use it.
 */
@Injectable()
export class AuthenticationService {
  /**
   * The access-token secret as a KeyObject: given the string, jsonwebtoken tries (and fails)
   * to parse it as a PEM public key on every verification, which costs far more than the HMAC.
   */
  private readonly verificationKey: KeyObject;

  constructor(
    @Inject(AppConfig) config: AppConfig,
    private readonly jwt: JwtService,
    private readonly sessions: SessionsRepository,
    private readonly tokens: TokensRepository,
  ) {
    this.verificationKey = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
  }

  async authenticateBearer(credential: string): Promise<AuthUser> {
    if (credential.startsWith(PAT_PREFIX)) return this.authenticatePersonalToken(credential);
    let payload: AccessTokenPayload;
    try {
      payload = await this.jwt.verifyAsync<AccessTokenPayload>(credential, {
        algorithms: ['HS256'],
        // jsonwebtoken accepts a KeyObject; @nestjs/jwt's option typings only name string | Buffer.
        secret: this.verificationKey as unknown as Buffer,
      });
    } catch {
      throw unauthorized('The access token is invalid or expired');
    }
    return this.authenticateAccessPayload(payload);
  }

  async authenticateAccessPayload(payload: Partial<AccessTokenPayload>): Promise<AuthUser> {
    if (
      typeof payload.sub !== 'string' ||
      typeof payload.sid !== 'string' ||
      typeof payload.pv !== 'number'
    ) {
      throw unauthorized('The access token is invalid or expired');
    }
    const found = await this.sessions.findCredential(payload.sub, payload.sid);
    const now = new Date();
    if (
      !found ||
      found.revokedAt ||
      found.expiresAt <= now ||
      !found.user.isActive ||
      found.user.passwordVersion !== payload.pv
    ) {
      throw unauthorized('The access token is no longer valid');
    }
    if (now.getTime() - found.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
      await this.sessions.touch(found.sessionId, now);
    }
    return toAuthUser(found.user, { sessionId: found.sessionId, tokenId: null, scopes: null });
  }

  async authenticatePersonalToken(token: string): Promise<AuthUser> {
    const found = await this.tokens.findCredential(sha256Hex(token));
    const now = new Date();
    if (
      !found ||
      found.revokedAt ||
      (found.expiresAt && found.expiresAt <= now) ||
      !found.user.isActive ||
      found.user.passwordVersion !== found.passwordVersion
    ) {
      throw unauthorized('The personal access token is invalid, expired or revoked');
    }
    const lastUsed = found.lastUsedAt?.getTime() ?? 0;
    if (now.getTime() - lastUsed > TOUCH_INTERVAL_MS) await this.tokens.markUsed(found.tokenId, now);
    return toAuthUser(found.user, { sessionId: null, tokenId: found.tokenId, scopes: found.scopes });
  }
}
