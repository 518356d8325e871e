import type { UserRole } from '../users/user.entity';
import type { TokenScope } from './personal-access-token.entity';

/** Who is calling: set on the request by the global auth guard. */
export interface AuthUser {
  id: string;
  email: string;
  displayName: string;
  role: UserRole;
  /** The web session behind an access token; null for a personal access token. */
  sessionId: string | null;
  /** The personal access token used, if any. */
  tokenId: string | null;
  /** What a personal access token may do; null (an access token) means everything. */
  scopes: TokenScope[] | null;
}

export interface AccessTokenPayload {
  sub: string;
  sid: string;
  pv: number;
}
