import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseDurationSeconds } from './config';

const KEY = Buffer.alloc(32, 1).toString('base64');
const SECRET = 's'.repeat(40);

/** A valid environment that writes nothing outside a temporary data directory. */
const base = (): Record<string, string> => ({
  DATA_DIR: mkdtempSync(join(tmpdir(), 'threadline-config-')),
  JWT_SECRET: SECRET,
  ENCRYPTION_KEY: KEY,
});

function failure(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ ...base(), ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const env = base();
    const c = loadConfig(env);
    expect(c).toMatchObject({
      nodeEnv: 'development',
      isProduction: false,
      port: 3000,
      database: { kind: 'pglite', dataDir: join(env.DATA_DIR, 'db') },
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 30 * 86400,
      maxUploadBytes: 26214400,
      authRateLimitPerIp: 60,
      authRateLimitPerEmail: 10,
      llmTimeoutMs: 60000,
      llmAllowPrivateUrls: true,
      corsOrigins: [],
      trustProxy: false,
      storageDir: join(env.DATA_DIR, 'files'),
    });
    expect(c.redisUrl).toBeUndefined();
    expect(c.encryptionKey).toHaveLength(32);
  });

  it('reads the database from DATABASE_URL or the DB_* variables', () => {
    expect(loadConfig({ ...base(), DATABASE_URL: 'postgres://u:p@db:5432/tl' }).database).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@db:5432/tl',
    });
    expect(loadConfig({ ...base(), DATABASE_URL: 'pglite://memory' }).database).toEqual({
      kind: 'pglite',
      dataDir: null,
    });
    expect(
      loadConfig({
        ...base(),
        DB_DRIVER: 'postgres',
        DB_HOST: 'db',
        DB_PORT: '6543',
        DB_USERNAME: 'app',
        DB_PASSWORD: 'p@ss',
        DB_DATABASE: 'tl',
      }).database,
    ).toEqual({ kind: 'postgres', url: 'postgres://app:p%40ss@db:6543/tl' });
  });

  it('generates and keeps the secrets outside production', () => {
    const env = { DATA_DIR: mkdtempSync(join(tmpdir(), 'threadline-config-')) };
    const first = loadConfig(env);
    const second = loadConfig(env);
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(second.jwtSecret).toBe(first.jwtSecret);
    expect(second.encryptionKey.equals(first.encryptionKey)).toBe(true);
  });

  it('parses durations, booleans and origins', () => {
    const c = loadConfig({
      ...base(),
      ACCESS_TOKEN_TTL: '90s',
      REFRESH_TOKEN_TTL: '12h',
      TRUST_PROXY: 'yes',
      LLM_ALLOW_PRIVATE_URLS: 'false',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173/',
    });
    expect(c.accessTokenTtlSeconds).toBe(90);
    expect(c.refreshTokenTtlSeconds).toBe(43200);
    expect(c.trustProxy).toBe(true);
    expect(c.llmAllowPrivateUrls).toBe(false);
    expect(c.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(parseDurationSeconds('X', '15m')).toBe(900);
    expect(parseDurationSeconds('X', '900')).toBe(900);
    expect(parseDurationSeconds('X', '2d')).toBe(172800);
  });

  it.each<[string, Record<string, string>]>([
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '-1' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://db/tl' }],
    ['DB_DRIVER', { DB_DRIVER: 'mysql' }],
    ['DB_PORT', { DB_DRIVER: 'postgres', DB_PORT: 'abc' }],
    ['REDIS_URL', { REDIS_URL: 'http://cache:6379' }],
    ['JWT_SECRET', { JWT_SECRET: 'too-short' }],
    ['JWT_SECRET', { NODE_ENV: 'production', JWT_SECRET: '' }],
    ['ENCRYPTION_KEY', { NODE_ENV: 'production', ENCRYPTION_KEY: '' }],
    ['ENCRYPTION_KEY', { ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') }],
    ['ENCRYPTION_KEY', { ENCRYPTION_KEY: 'not base64 at all!' }],
    ['ACCESS_TOKEN_TTL', { ACCESS_TOKEN_TTL: 'forever' }],
    ['ACCESS_TOKEN_TTL', { ACCESS_TOKEN_TTL: '0' }],
    ['ACCESS_TOKEN_TTL', { ACCESS_TOKEN_TTL: '500ms' }],
    ['REFRESH_TOKEN_TTL', { REFRESH_TOKEN_TTL: '30 days' }],
    ['MAX_UPLOAD_BYTES', { MAX_UPLOAD_BYTES: '0' }],
    ['MAX_UPLOAD_BYTES', { MAX_UPLOAD_BYTES: '25MB' }],
    ['AUTH_RATE_LIMIT_PER_IP', { AUTH_RATE_LIMIT_PER_IP: '0' }],
    ['AUTH_RATE_LIMIT_PER_EMAIL', { AUTH_RATE_LIMIT_PER_EMAIL: 'ten' }],
    ['AUTH_RATE_LIMIT_WINDOW_SECONDS', { AUTH_RATE_LIMIT_WINDOW_SECONDS: '1.5' }],
    ['LLM_TIMEOUT_MS', { LLM_TIMEOUT_MS: '10' }],
    ['LLM_ALLOW_PRIVATE_URLS', { LLM_ALLOW_PRIVATE_URLS: 'maybe' }],
    ['TRUST_PROXY', { TRUST_PROXY: '2' }],
    ['MIGRATE_ON_START', { MIGRATE_ON_START: 'sometimes' }],
    ['CORS_ORIGINS', { CORS_ORIGINS: 'app.example.com' }],
    ['CORS_ORIGINS', { CORS_ORIGINS: 'https://ok.example.com,ftp://files.example.com' }],
    ['CORS_ORIGINS', { CORS_ORIGINS: 'https://app.example.com/path' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ['SHUTDOWN_GRACE_MS', { SHUTDOWN_GRACE_MS: 'soon' }],
    ['INTEGRATION_API_URL', { INTEGRATION_API_URL: 'not a url' }],
    ['INTEGRATION_TRIGGER_URL', { INTEGRATION_TRIGGER_URL: 'ftp://x.example.com' }],
    ['MESH_URL', { MESH_URL: '://' }],
    ['PORT', { PORT: '80\n81' }],
  ])('refuses a bad %s with one line naming it', (variable, env) => {
    const err = failure(env);
    expect(err.message).toMatch(new RegExp(`^Invalid configuration: ${variable} \\S`));
    expect(err.message).not.toMatch(/[\r\n]/);
  });

  it('never echoes a secret in its message', () => {
    expect(failure({ JWT_SECRET: 'hunter2-short' }).message).not.toContain('hunter2');
    expect(failure({ DATABASE_URL: 'mysql://root:s3cret@db/tl' }).message).not.toContain('s3cret');
    expect(failure({ REDIS_URL: 'http://:s3cret@cache' }).message).not.toContain('s3cret');
  });
});
