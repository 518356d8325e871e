import { createSecretKey, KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { JwtService } from '@nestjs/jwt';
import { TtlCache } from '../common/cache/ttl-cache';
import { unauthorized } from '../common/errors/problem';
import { AppConfig } from '../config/app-config';
import { InvalidationBus } from '../redis/invalidation-bus';
import { USER_UPDATED, UserUpdatedEvent } from '../users/users.events';
import {
  CREDENTIALS_REVOKED,
  CredentialsRevokedEvent,
  SESSION_RENEWED,
  SessionRenewedEvent,
} from './auth.events';
import type { AccessTokenPayload, AuthUser } from './auth-user';
import { toAuthUser } from './credential-user';
import { SessionCredential, SessionsRepository } from './sessions.repository';
import { PAT_PREFIX, sha256Hex } from './token-crypto';
import { TokenCredential, TokensRepository } from './tokens.repository';

/** lastSeenAt / lastUsedAt are written at most this often, not on every request. */
const TOUCH_INTERVAL_MS = 60_000;
/** Credentials whose lookups are kept (sessions and tokens together). */
const CREDENTIAL_CACHE_SIZE = 10_000;
/** The invalidation topic: a CredentialsRevokedEvent, or `{ kind: 'user' }` when a user changed. */
const CREDENTIALS_TOPIC = 'auth.credentials';

type CachedCredential = SessionCredential | TokenCredential;

/**
 * Turns a bearer credential into the caller, with every check a credential
 * must pass: signature and expiry, a live (unrevoked, unexpired) session or
 * token, an active user, and a password version that has not moved on. HTTP
 * (through the passport strategy) and the Socket.IO handshake both use it.
 *
 * The session or token row behind a credential is cached for
 * CACHE_TTL_SECONDS, and every check above still runs against it at each
 * request; a revocation, password change or user update drops the cached
 * rows at once on this instance and, through Redis, on the others.
 */
@Injectable()
export class AuthenticationService {
  /**
   * The access-token secret as a KeyObject: given the string, jsonwebtoken tries (and fails)
   * to parse it as a PEM public key on every verification, which costs far more than the HMAC.
   */
  private readonly verificationKey: KeyObject;
  private readonly cache: TtlCache<CachedCredential>;

  constructor(
    @Inject(AppConfig) config: AppConfig,
    private readonly jwt: JwtService,
    private readonly sessions: SessionsRepository,
    private readonly tokens: TokensRepository,
    private readonly bus: InvalidationBus,
  ) {
    this.verificationKey = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
    this.cache = new TtlCache(config.cacheTtlSeconds * 1000, CREDENTIAL_CACHE_SIZE);
    bus.on(CREDENTIALS_TOPIC, (event) => this.forget(event as CredentialsRevokedEvent));
  }

  @OnEvent(CREDENTIALS_REVOKED)
  onCredentialsRevoked(event: CredentialsRevokedEvent): void {
    this.bus.publish(CREDENTIALS_TOPIC, event);
  }

  /** The session's expiry moved on: the cached row would reject its tokens once the old one passes. */
  @OnEvent(SESSION_RENEWED)
  onSessionRenewed(event: SessionRenewedEvent): void {
    this.bus.publish(CREDENTIALS_TOPIC, {
      kind: 'session',
      userId: event.userId,
      sessionId: event.sessionId,
    } satisfies CredentialsRevokedEvent);
  }

  @OnEvent(USER_UPDATED)
  onUserUpdated(event: UserUpdatedEvent): void {
    this.bus.publish(CREDENTIALS_TOPIC, {
      kind: 'user',
      userId: event.userId,
    } satisfies CredentialsRevokedEvent);
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
    const found = await this.cached(sessionKey(payload.sub, payload.sid), () =>
      this.sessions.findCredential(payload.sub as string, payload.sid as string),
    );
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
      found.lastSeenAt = now;
    }
    return toAuthUser(found.user, { sessionId: found.sessionId, tokenId: null, scopes: null });
  }

  async authenticatePersonalToken(token: string): Promise<AuthUser> {
    const hash = sha256Hex(token);
    const found = await this.cached(tokenKey(hash), () => this.tokens.findCredential(hash));
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
    if (now.getTime() - lastUsed > TOUCH_INTERVAL_MS) {
      await this.tokens.markUsed(found.tokenId, now);
      found.lastUsedAt = now;
    }
    return toAuthUser(found.user, { sessionId: null, tokenId: found.tokenId, scopes: found.scopes });
  }

  /** The cached row, or the lookup's (see TtlCache.getOrLoad). */
  private cached<T extends CachedCredential>(
    key: string,
    lookup: () => Promise<T | null>,
  ): Promise<T | null> {
    return this.cache.getOrLoad(key, lookup) as Promise<T | null>;
  }

  private forget(event: CredentialsRevokedEvent): void {
    switch (event.kind) {
      case 'session':
        this.cache.delete(sessionKey(event.userId, event.sessionId));
        return;
      case 'token':
        this.cache.deleteWhere((c) => 'tokenId' in c && c.tokenId === event.tokenId);
        return;
      default:
        this.cache.deleteWhere((c) => c.user.id === event.userId);
    }
  }
}

const sessionKey = (userId: string, sessionId: string): string => `s:${userId}:${sessionId}`;
const tokenKey = (hash: string): string => `t:${hash}`;
