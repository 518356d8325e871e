import { createHash } from 'node:crypto';
import {
  formatRefreshToken,
  networkOf,
  newPersonalAccessToken,
  PAT_PREFIX,
  parseRefreshToken,
  randomSecret,
  sha256Hex,
} from './token-crypto';

const SESSION = '3f1c2b9e-5d4a-4c3b-8a2f-1e0d9c8b7a6f';

describe('token crypto', () => {
  it('hashes with SHA-256 in hex', () => {
    expect(sha256Hex('abc')).toBe(createHash('sha256').update('abc').digest('hex'));
    expect(sha256Hex('abc')).toHaveLength(64);
  });

  it('makes url-safe secrets of 256 bits that do not repeat', () => {
    const a = randomSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomSecret()).not.toBe(a);
  });

  it('makes personal access tokens with the tl_ prefix', () => {
    const token = newPersonalAccessToken();
    expect(PAT_PREFIX).toBe('tl_');
    expect(token).toMatch(/^tl_[A-Za-z0-9_-]{43}$/);
    expect(newPersonalAccessToken()).not.toBe(token);
  });

  it('round-trips a refresh token through format and parse', () => {
    const secret = randomSecret();
    expect(parseRefreshToken(formatRefreshToken(SESSION, secret))).toEqual({ sessionId: SESSION, secret });
    expect(parseRefreshToken(formatRefreshToken(SESSION.toUpperCase(), secret))?.sessionId).toBe(SESSION);
  });

  it.each([
    '',
    'garbage',
    SESSION,
    `${SESSION}.`,
    `${SESSION}.short`,
    `not-a-uuid.${'a'.repeat(43)}`,
    `${SESSION}.${'a'.repeat(43)}.extra`,
    `${SESSION}.${'a'.repeat(42)}=`,
    ` ${SESSION}.${'a'.repeat(43)}`,
  ])('refuses the malformed refresh token %j', (token) => {
    expect(parseRefreshToken(token)).toBeNull();
  });

  it('keeps the network of an address, not the host', () => {
    expect(networkOf('203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOf('::ffff:198.51.100.9')).toBe('198.51.100.0/24');
    expect(networkOf('2001:db8:85a3:8d3:1319:8a2e:370:7348')).toBe('2001:db8:85a3:8d3::/64');
    expect(networkOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(networkOf('::1')).toBe('0:0:0:0::/64');
    expect(networkOf(undefined)).toBeNull();
    expect(networkOf('not an ip')).toBeNull();
  });
});
