import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Thrown when the environment is invalid: start-up stops with this one line. */
export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    // One line, whatever the offending value holds.
    super(`Invalid configuration: ${variable} ${problem}`.replace(/[\r\n]+/g, '\\n'));
    this.name = 'ConfigError';
  }
}

export type DatabaseConfig = { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string | null };

export interface IntegrationConfig {
  projectId?: string;
  signingKey?: string;
  apiUrl?: string;
  triggerUrl?: string;
  messagesTriggerId?: string;
  webhookSecret?: string;
  meshUrl?: string;
}

export interface AppConfigShape {
  nodeEnv: 'development' | 'production' | 'test';
  isProduction: boolean;
  port: number;
  host: string;
  dataDir: string;
  database: DatabaseConfig;
  /** Run pending migrations when `serve` starts (off when a Kubernetes Job runs them). */
  migrateOnStart: boolean;
  redisUrl?: string;
  /** Prefix of every Redis key and channel, so several deployments can share one Redis. */
  redisKeyPrefix: string;
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  encryptionKey: Buffer;
  storageDir: string;
  maxUploadBytes: number;
  authRateLimitPerIp: number;
  authRateLimitPerEmail: number;
  authRateLimitWindowSeconds: number;
  /** How long credential checks and model lookups are reused (0: never); changes invalidate them at once. */
  cacheTtlSeconds: number;
  llmTimeoutMs: number;
  llmAllowPrivateUrls: boolean;
  llmEgressAllowlist: string[];
  corsOrigins: string[];
  trustProxy: boolean;
  logLevel: string;
  shutdownGraceMs: number;
  integration: IntegrationConfig;
}

type Env = Record<string, string | undefined>;

const DURATION = /^(\d+)\s*(ms|s|m|h|d)?$/;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

export function parseDurationSeconds(name: string, raw: string): number {
  const match = DURATION.exec(raw.trim());
  if (!match) throw new ConfigError(name, `must be a duration like 900, 15m, 12h or 30d (got "${raw}")`);
  const seconds = Math.floor(Number(match[1]) * UNIT_SECONDS[match[2] ?? 's']);
  if (seconds < 1) throw new ConfigError(name, 'must be at least one second');
  return seconds;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number (got "${raw}")`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max} (got ${value})`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(name, `must be true or false (got "${raw}")`);
}

function list(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Browser origins (`https://app.example.com[:port]`), as CORS compares them: no path, no trailing slash. */
function origins(env: Env, name: string): string[] {
  return list(env, name).map((raw) => {
    let url: URL | null = null;
    try {
      url = new URL(raw);
    } catch {
      url = null;
    }
    const originOnly = url && url.pathname === '/' && !url.search && !url.hash && !url.username;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !originOnly) {
      throw new ConfigError(
        name,
        `must be comma-separated http(s) origins like https://app.example.com (got "${raw}")`,
      );
    }
    return url.origin;
  });
}

function httpUrl(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL (got "${raw}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(name, 'must be an http(s) URL');
  return raw.replace(/\/+$/, '');
}

export function parseDatabase(env: Env, dataDir: string): DatabaseConfig {
  const raw = env.DATABASE_URL;
  if (raw) {
    if (/^postgres(ql)?:\/\//i.test(raw)) return { kind: 'postgres', url: raw };
    const pglite = /^pglite:\/\/(.+)$/i.exec(raw);
    if (pglite) {
      const target = pglite[1];
      return { kind: 'pglite', dataDir: target === 'memory' ? null : resolve(target) };
    }
    throw new ConfigError('DATABASE_URL', 'must start with postgres://, postgresql:// or pglite://');
  }
  if ((env.DB_DRIVER ?? '').toLowerCase() === 'postgres') {
    const host = env.DB_HOST ?? '127.0.0.1';
    const port = int(env, 'DB_PORT', 5432, 1, 65535);
    const user = encodeURIComponent(env.DB_USERNAME ?? 'postgres');
    const password = env.DB_PASSWORD ? `:${encodeURIComponent(env.DB_PASSWORD)}` : '';
    const database = encodeURIComponent(env.DB_DATABASE ?? 'threadline');
    return { kind: 'postgres', url: `postgres://${user}${password}@${host}:${port}/${database}` };
  }
  if (env.DB_DRIVER && env.DB_DRIVER.toLowerCase() !== 'pglite') {
    throw new ConfigError('DB_DRIVER', `must be postgres or pglite (got "${env.DB_DRIVER}")`);
  }
  return { kind: 'pglite', dataDir: join(dataDir, 'db') };
}

/** Outside production a missing secret is generated once and kept under the data directory. */
function persistedSecret(dataDir: string, file: string, make: () => string): string {
  const path = join(dataDir, file);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dirname(path), { recursive: true });
  const value = make();
  writeFileSync(path, value, { mode: 0o600 });
  return value;
}

function parseEncryptionKey(raw: string): Buffer {
  const key = Buffer.from(raw, 'base64');
  if (key.length !== 32) throw new ConfigError('ENCRYPTION_KEY', 'must be 32 bytes encoded in base64');
  return key;
}

export function loadConfig(env: Env = process.env): AppConfigShape {
  const nodeEnvRaw = env.NODE_ENV ?? 'development';
  if (!['development', 'production', 'test'].includes(nodeEnvRaw)) {
    throw new ConfigError('NODE_ENV', `must be development, production or test (got "${nodeEnvRaw}")`);
  }
  const nodeEnv = nodeEnvRaw as AppConfigShape['nodeEnv'];
  const isProduction = nodeEnv === 'production';
  const dataDir = resolve(env.DATA_DIR ?? './data');

  if (isProduction && !env.JWT_SECRET)
    throw new ConfigError('JWT_SECRET', 'is required when NODE_ENV=production');
  if (isProduction && !env.ENCRYPTION_KEY) {
    throw new ConfigError('ENCRYPTION_KEY', 'is required when NODE_ENV=production');
  }
  const jwtSecret =
    env.JWT_SECRET ?? persistedSecret(dataDir, 'jwt-secret', () => randomBytes(48).toString('base64url'));
  if (jwtSecret.length < 32) throw new ConfigError('JWT_SECRET', 'must be at least 32 characters');
  const encryptionKey = parseEncryptionKey(
    env.ENCRYPTION_KEY ??
      persistedSecret(dataDir, 'encryption-key', () => randomBytes(32).toString('base64')),
  );

  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl))
    throw new ConfigError('REDIS_URL', 'must start with redis:// or rediss://');

  const logLevel = env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'warn' : 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(
      'LOG_LEVEL',
      `must be one of fatal, error, warn, info, debug, trace, silent (got "${logLevel}")`,
    );
  }

  return {
    nodeEnv,
    isProduction,
    port: int(env, 'PORT', 3000, 0, 65535),
    host: env.HOST ?? '0.0.0.0',
    dataDir,
    database: parseDatabase(env, dataDir),
    migrateOnStart: bool(env, 'MIGRATE_ON_START', true),
    redisUrl,
    redisKeyPrefix: env.REDIS_KEY_PREFIX ?? 'threadline:',
    jwtSecret,
    accessTokenTtlSeconds: parseDurationSeconds('ACCESS_TOKEN_TTL', env.ACCESS_TOKEN_TTL ?? '15m'),
    refreshTokenTtlSeconds: parseDurationSeconds('REFRESH_TOKEN_TTL', env.REFRESH_TOKEN_TTL ?? '30d'),
    encryptionKey,
    storageDir: resolve(env.STORAGE_DIR ?? join(dataDir, 'files')),
    maxUploadBytes: int(env, 'MAX_UPLOAD_BYTES', 26214400, 1, 10 * 1024 ** 3),
    authRateLimitPerIp: int(env, 'AUTH_RATE_LIMIT_PER_IP', 60, 1, 1_000_000),
    authRateLimitPerEmail: int(env, 'AUTH_RATE_LIMIT_PER_EMAIL', 10, 1, 1_000_000),
    authRateLimitWindowSeconds: int(env, 'AUTH_RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86400),
    cacheTtlSeconds: int(env, 'CACHE_TTL_SECONDS', 5, 0, 300),
    llmTimeoutMs: int(env, 'LLM_TIMEOUT_MS', 60000, 100, 3_600_000),
    llmAllowPrivateUrls: bool(env, 'LLM_ALLOW_PRIVATE_URLS', !isProduction),
    llmEgressAllowlist: list(env, 'LLM_EGRESS_ALLOWLIST'),
    corsOrigins: origins(env, 'CORS_ORIGINS'),
    trustProxy: bool(env, 'TRUST_PROXY', false),
    logLevel,
    shutdownGraceMs: int(env, 'SHUTDOWN_GRACE_MS', 25000, 0, 3_600_000),
    integration: {
      projectId: env.INTEGRATION_PROJECT_ID || undefined,
      signingKey: env.INTEGRATION_SIGNING_KEY || undefined,
      apiUrl: httpUrl(env, 'INTEGRATION_API_URL'),
      triggerUrl: httpUrl(env, 'INTEGRATION_TRIGGER_URL'),
      messagesTriggerId: env.INTEGRATION_MESSAGES_TRIGGER_ID || undefined,
      webhookSecret: env.INTEGRATION_WEBHOOK_SECRET || undefined,
      meshUrl: httpUrl(env, 'MESH_URL'),
    },
  };
}
