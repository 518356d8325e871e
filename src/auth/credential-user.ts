import type { UserEntity } from '../users/user.entity';
import type { AuthUser } from './auth-user';

/** What a credential check needs of the user behind a session or a token. */
export type CredentialUser = Pick<
  UserEntity,
  'id' | 'email' | 'displayName' | 'role' | 'isActive' | 'passwordVersion'
>;

export interface CredentialUserRow {
  user_id: string;
  email: string;
  display_name: string;
  role: UserEntity['role'];
  is_active: boolean;
  password_version: number;
}

/** The user columns of the credential queries (table alias `u`). */
export const CREDENTIAL_USER_COLUMNS =
  'u.id AS user_id, u.email, u.display_name, u.role, u.is_active, u.password_version';

export const toCredentialUser = (row: CredentialUserRow): CredentialUser => ({
  id: row.user_id,
  email: row.email,
  displayName: row.display_name,
  role: row.role,
  isActive: row.is_active,
  passwordVersion: row.password_version,
});

export const toAuthUser = (
  user: CredentialUser,
  via: Pick<AuthUser, 'sessionId' | 'tokenId' | 'scopes'>,
): AuthUser => ({
  id: user.id,
  email: user.email,
  displayName: user.displayName,
  role: user.role,
  ...via,
});
