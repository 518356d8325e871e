import type { PersonalAccessTokenEntity } from '../personal-access-token.entity';
import type { WebSessionEntity } from '../web-session.entity';
import type { TokenResponseDto, WebSessionResponseDto } from './auth.dto';

export const toWebSessionResponse = (
  s: WebSessionEntity,
  currentId: string | null,
): WebSessionResponseDto => ({
  id: s.id,
  issuedAt: s.issuedAt.toISOString(),
  expiresAt: s.expiresAt.toISOString(),
  lastSeenAt: s.lastSeenAt.toISOString(),
  ipNet: s.ipNet,
  userAgent: s.userAgent,
  current: s.id === currentId,
});

export const toTokenResponse = (t: PersonalAccessTokenEntity): TokenResponseDto => ({
  id: t.id,
  name: t.name,
  scopes: t.scopes,
  hint: t.tokenHint,
  expiresAt: t.expiresAt?.toISOString() ?? null,
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  createdAt: t.createdAt.toISOString(),
});
