import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { JwtService } from '@nestjs/jwt';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { forbidden, notFound, ProblemException, unauthorized } from '../common/errors/problem';
import { mapPage, Page, PageQueryDto } from '../common/pagination/pagination';
import { toUserResponse, UserResponseDto } from '../users/dto/user-response.dto';
import type { UserEntity } from '../users/user.entity';
import { USER_DEACTIVATED, UserDeactivatedEvent } from '../users/users.events';
import { UsersService } from '../users/users.service';
import { WorkspacesService } from '../workspaces/workspaces.service';
import type { AccessTokenPayload, AuthUser } from './auth-user';
import {
  CREDENTIALS_REVOKED,
  CredentialsRevokedEvent,
  SESSION_RENEWED,
  SessionRenewedEvent,
} from './auth.events';
import {
  AuthResponseDto,
  ChangePasswordDto,
  CreatedTokenResponseDto,
  CreateTokenDto,
  LoginDto,
  LoginResponseDto,
  RegisterDto,
  TokenPairDto,
  TokenResponseDto,
  WebSessionResponseDto,
  WorkspaceSummaryDto,
} from './dto/auth.dto';
import { toTokenResponse, toWebSessionResponse } from './dto/auth.mappers';
import { PasswordHasher } from './password-hasher';
import { SessionsRepository } from './sessions.repository';
import {
  formatRefreshToken,
  networkOf,
  newPersonalAccessToken,
  parseRefreshToken,
  randomSecret,
  sha256Hex,
} from './token-crypto';
import { TokensRepository } from './tokens.repository';

export interface ClientInfo {
  ip?: string;
  userAgent?: string;
}

/** Workspaces and chats listed in the login answer, at most. */
const LOGIN_SUMMARY_WORKSPACES = 100;

/**
 * Resolves the chats of workspaces for the login summary. The chats feature
 * registers one; until then workspaces are listed with no chats.
 */
export abstract class ChatSummarySource {
  abstract summarise(
    ownerId: string,
    workspaceIds: string[],
  ): Promise<Map<string, WorkspaceSummaryDto['chats']>>;
}

const INVALID_CREDENTIALS = (): ProblemException =>
  new ProblemException(401, 'Unauthorized', { detail: 'Invalid email or password' });

@Injectable()
export class AuthService {
  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly jwt: JwtService,
    private readonly hasher: PasswordHasher,
    private readonly users: UsersService,
    private readonly workspaces: WorkspacesService,
    private readonly sessions: SessionsRepository,
    private readonly tokens: TokensRepository,
    @Inject(ChatSummarySource) private readonly chatSummaries: ChatSummarySource,
    private readonly events: EventEmitter2,
  ) {}

  async register(dto: RegisterDto, client: ClientInfo): Promise<AuthResponseDto> {
    const passwordHash = await this.hasher.hash(dto.password);
    return this.dataSource.transaction(async (em) => {
      const user = await this.users.create(
        { email: dto.email, displayName: dto.displayName, passwordHash },
        em,
      );
      await this.workspaces.createDefault(user.id, em);
      const pair = await this.openSession(user, client, em);
      return { ...pair, user: toUserResponse(user) };
    });
  }

  async login(dto: LoginDto, client: ClientInfo): Promise<LoginResponseDto> {
    const user = await this.users.findByEmail(dto.email);
    if (!user) {
      await this.hasher.verifyAgainstNothing(dto.password);
      throw INVALID_CREDENTIALS();
    }
    if (!(await this.hasher.verify(user.passwordHash, dto.password))) throw INVALID_CREDENTIALS();
    if (!user.isActive) throw forbidden('This account is deactivated');
    const pair = await this.openSession(user, client);
    return { ...pair, user: toUserResponse(user), workspaces: await this.workspaceSummaries(user.id) };
  }

  async refresh(refreshToken: string): Promise<TokenPairDto> {
    const parsed = parseRefreshToken(refreshToken);
    if (!parsed) throw unauthorized('The refresh token is invalid');
    const session = await this.sessions.findById(parsed.sessionId);
    const now = new Date();
    if (!session || session.revokedAt || session.expiresAt <= now)
      throw unauthorized('The refresh token is invalid');
    const presented = sha256Hex(parsed.secret);
    const secret = randomSecret();
    const expiresAt = new Date(now.getTime() + this.config.refreshTokenTtlSeconds * 1000);
    const rotated =
      presented === session.refreshTokenHash &&
      (await this.sessions.rotateRefresh(session.id, presented, sha256Hex(secret), expiresAt, now));
    if (!rotated) {
      // An old (already rotated) token came back: it was copied. End the whole session.
      await this.sessions.revoke(session.userId, session.id, now);
      this.revoked({ kind: 'session', userId: session.userId, sessionId: session.id });
      throw unauthorized('The refresh token was already used; the session is revoked');
    }
    this.events.emit(SESSION_RENEWED, {
      userId: session.userId,
      sessionId: session.id,
    } satisfies SessionRenewedEvent);
    const user = await this.users.findById(session.userId);
    if (!user || !user.isActive) throw unauthorized('The refresh token is invalid');
    return {
      accessToken: await this.signAccessToken(user, session.id),
      refreshToken: formatRefreshToken(session.id, secret),
      expiresIn: this.config.accessTokenTtlSeconds,
    };
  }

  async logout(me: AuthUser): Promise<void> {
    if (!me.sessionId) return;
    await this.sessions.revoke(me.id, me.sessionId, new Date());
    this.revoked({ kind: 'session', userId: me.id, sessionId: me.sessionId });
  }

  async me(me: AuthUser): Promise<UserResponseDto> {
    return toUserResponse(await this.users.getById(me.id));
  }

  async changePassword(me: AuthUser, dto: ChangePasswordDto): Promise<void> {
    const user = await this.users.getById(me.id);
    if (!(await this.hasher.verify(user.passwordHash, dto.currentPassword))) {
      throw new ProblemException(400, 'Bad Request', {
        detail: 'The current password is wrong',
        errors: [{ field: 'currentPassword', message: 'currentPassword is wrong' }],
      });
    }
    const passwordHash = await this.hasher.hash(dto.newPassword);
    const now = new Date();
    await this.dataSource.transaction(async (em) => {
      await this.users.changePassword(user.id, passwordHash, em);
      await this.sessions.revokeAllForUser(user.id, now, em);
    });
    this.revoked({ kind: 'user', userId: user.id });
  }

  async listSessions(me: AuthUser, page: PageQueryDto): Promise<Page<WebSessionResponseDto>> {
    const sessions = await this.sessions.listLive(me.id, new Date(), page);
    return mapPage(sessions, (s) => toWebSessionResponse(s, me.sessionId));
  }

  async revokeSession(me: AuthUser, id: string): Promise<void> {
    const now = new Date();
    const session = await this.sessions.findLiveOwned(me.id, id, now);
    if (!session) throw notFound('Session');
    await this.sessions.revoke(me.id, id, now);
    this.revoked({ kind: 'session', userId: me.id, sessionId: id });
  }

  async createToken(me: AuthUser, dto: CreateTokenDto): Promise<CreatedTokenResponseDto> {
    if (dto.expiresAt && dto.expiresAt.getTime() <= Date.now()) {
      throw new ProblemException(400, 'Validation Failed', {
        detail: 'expiresAt must be in the future',
        errors: [{ field: 'expiresAt', message: 'expiresAt must be in the future' }],
      });
    }
    const user = await this.users.getById(me.id);
    const token = newPersonalAccessToken();
    const saved = await this.tokens.create({
      userId: me.id,
      name: dto.name,
      tokenHash: sha256Hex(token),
      tokenHint: token.slice(-4),
      scopes: dto.scopes ?? ['llm:invoke'],
      passwordVersion: user.passwordVersion,
      expiresAt: dto.expiresAt ?? null,
    });
    return { ...toTokenResponse(saved), token };
  }

  async listTokens(me: AuthUser, page: PageQueryDto): Promise<Page<TokenResponseDto>> {
    return mapPage(await this.tokens.listActive(me.id, page), toTokenResponse);
  }

  async revokeToken(me: AuthUser, id: string): Promise<void> {
    if (!(await this.tokens.revoke(me.id, id, new Date()))) throw notFound('Token');
    this.revoked({ kind: 'token', userId: me.id, tokenId: id });
  }

  @OnEvent(USER_DEACTIVATED, { promisify: true })
  async onUserDeactivated(event: UserDeactivatedEvent): Promise<void> {
    const now = new Date();
    await this.dataSource.transaction(async (em) => {
      await this.sessions.revokeAllForUser(event.userId, now, em);
      await this.tokens.revokeAllForUser(event.userId, now, em);
    });
    this.revoked({ kind: 'user', userId: event.userId });
  }

  /** After commit: listeners (the realtime gateway) close what those credentials opened. */
  private revoked(event: CredentialsRevokedEvent): void {
    this.events.emit(CREDENTIALS_REVOKED, event);
  }

  private async openSession(
    user: UserEntity,
    client: ClientInfo,
    em?: Parameters<SessionsRepository['create']>[1],
  ): Promise<TokenPairDto> {
    const now = new Date();
    const secret = randomSecret();
    const session = await this.sessions.create(
      {
        userId: user.id,
        issuedAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + this.config.refreshTokenTtlSeconds * 1000),
        ipNet: networkOf(client.ip),
        userAgent: client.userAgent?.slice(0, 512) ?? null,
        refreshTokenHash: sha256Hex(secret),
      },
      em,
    );
    return {
      accessToken: await this.signAccessToken(user, session.id),
      refreshToken: formatRefreshToken(session.id, secret),
      expiresIn: this.config.accessTokenTtlSeconds,
    };
  }

  private signAccessToken(user: UserEntity, sessionId: string): Promise<string> {
    const payload: AccessTokenPayload = { sub: user.id, sid: sessionId, pv: user.passwordVersion };
    return this.jwt.signAsync(payload, { expiresIn: this.config.accessTokenTtlSeconds, algorithm: 'HS256' });
  }

  private async workspaceSummaries(userId: string): Promise<WorkspaceSummaryDto[]> {
    const workspaces = await this.workspaces.listAllOwned(userId, LOGIN_SUMMARY_WORKSPACES);
    const chats = await this.chatSummaries.summarise(
      userId,
      workspaces.map((w) => w.id),
    );
    return workspaces.map((w) => ({ id: w.id, name: w.name, chats: chats.get(w.id) ?? [] }));
  }
}
