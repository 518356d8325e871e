import { Writable } from 'node:stream';
import { createApp } from '../../src/app.factory';
import { createRootLogger } from '../../src/common/logging/logger';
import { loadConfig } from '../../src/config/config';
import { registerUser } from '../factories/users';
import request from 'supertest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Collects every JSON line the app logs. */
class LogSink extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      this.raw.push(line);
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    done();
  }
}

describe('logging', () => {
  const sink = new LogSink();
  let app: NestFastifyApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: join(tmpdir(), `threadline-log-${randomUUID()}`),
      DATABASE_URL: process.env.DATABASE_URL || 'pglite://memory',
      JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
      ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'),
      LOG_LEVEL: 'info',
    });
    app = await createApp(config, createRootLogger('info', sink));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('writes JSON lines, and each line about a request names its request id', async () => {
    const requestId = `req-${randomUUID()}`;
    const res = await http().get('/health').set('x-request-id', requestId);
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe(requestId);
    const about = sink.lines.filter((l) => l.reqId === requestId);
    expect(about.length).toBeGreaterThanOrEqual(2); // incoming request + request completed
    for (const line of about) {
      expect(typeof line.time).toBe('string');
      expect(typeof line.level).toBe('string');
    }
  });

  it('makes up a request id when the client sends none (or a malformed one)', async () => {
    const res = await http().get('/health').set('x-request-id', 'bad id with spaces');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never writes passwords or tokens', async () => {
    const user = await registerUser(http, { password: 'a-very-secret-password-123' });
    await http().post('/api/auth/login').send({ email: user.email, password: 'a-very-secret-password-123' });
    await http().get('/api/auth/me').set(user.auth);
    const all = sink.raw.join('\n');
    expect(all).not.toContain('a-very-secret-password-123');
    expect(all).not.toContain(user.accessToken);
    expect(all).not.toContain(user.refreshToken);
  });
});
