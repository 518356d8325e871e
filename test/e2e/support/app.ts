import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { createApp } from '../../../src/app.factory';
import { createRootLogger } from '../../../src/common/logging/logger';
import { AppConfigShape, loadConfig } from '../../../src/config/config';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfigShape;
  /** http://127.0.0.1:<port> of the listening server. */
  url: string;
  http: () => TestAgent;
  close: () => Promise<void>;
}

/**
 * Boots the real application on a free port. The database is the one the
 * run was given (DATABASE_URL / REDIS_URL, as CI sets them for PostgreSQL)
 * or, with nothing set, an in-memory PGlite of this test file's own.
 */
export async function bootApp(
  env: Record<string, string> = {},
  options: {
    imports?: NonNullable<DynamicModule['imports']>;
    /** Where log lines go (e.g. a capturing stream); stdout otherwise. */
    logSink?: DestinationStream;
  } = {},
): Promise<TestApp> {
  const dataDir = join(tmpdir(), `threadline-test-${randomUUID()}`);
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    DATABASE_URL: process.env.DATABASE_URL || 'pglite://memory',
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    REDIS_KEY_PREFIX: `threadline-test:${randomUUID()}:`,
    JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
    ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    AUTH_RATE_LIMIT_PER_IP: '100000',
    AUTH_RATE_LIMIT_PER_EMAIL: '100000',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const app = await createApp(config, createRootLogger(config.logLevel, options.logSink), options);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  return {
    app,
    config,
    url,
    http: () => request(app.getHttpServer()),
    close: () => app.close(),
  };
}
