/**
 * Credentials that stopped working. Emitted after the revoking transaction
 * commits; the realtime gateway closes the sockets that were opened with them
 * (connections are authenticated once, at the handshake).
 */
export const CREDENTIALS_REVOKED = 'auth.credentials-revoked';

export type CredentialsRevokedEvent =
  | { kind: 'session'; userId: string; sessionId: string }
  | { kind: 'token'; userId: string; tokenId: string }
  /** Every session and token of the user (password change, deactivation). */
  | { kind: 'user'; userId: string };

/** A session's refresh token was rotated and its expiry moved on (cached session rows are stale). */
export const SESSION_RENEWED = 'auth.session-renewed';

export interface SessionRenewedEvent {
  userId: string;
  sessionId: string;
}
