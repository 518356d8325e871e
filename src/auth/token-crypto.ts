import { createHash, randomBytes } from 'node:crypto';

/** Tokens carry 256 random bits, so one SHA-256 pass is enough to store them safely. */
export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

export const randomSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url');

export const PAT_PREFIX = 'tl_';

export function newPersonalAccessToken(): string {
  return `${PAT_PREFIX}${randomSecret(32)}`;
}

/** A refresh token names its session so a replayed old one can revoke that session. */
export function formatRefreshToken(sessionId: string, secret: string): string {
  return `${sessionId}.${secret}`;
}

export function parseRefreshToken(token: string): { sessionId: string; secret: string } | null {
  const match =
    /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{20,})$/i.exec(token);
  return match ? { sessionId: match[1].toLowerCase(), secret: match[2] } : null;
}

/** Keeps the network, not the host: IPv4 /24, IPv6 /64. */
export function networkOf(ip: string | undefined): string | null {
  if (!ip) return null;
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.\d+$/i.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (ip.includes(':')) {
    const [head] = ip.split('::');
    const groups = head.split(':').filter(Boolean).slice(0, 4);
    while (groups.length < 4) groups.push('0');
    return `${groups.join(':')}::/64`;
  }
  return null;
}
