/**
 * Shared by the stream benchmarks (`stream-bench.ts`, `soak.ts`): the real
 * app booted in-process, a user with N threads, and Socket.IO clients
 * subscribed to them.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { io, Socket } from 'socket.io-client';
import { createApp } from '../../src/app.factory';
import { createRootLogger } from '../../src/common/logging/logger';
import { AppConfigShape, loadConfig } from '../../src/config/config';

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The `echo` text: 8 characters per chunk. */
export function echoText(chunks: number): string {
  return Array.from({ length: chunks * 8 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
}

export interface Chunk {
  actionId: string;
  order: number;
  mime: string;
  text?: string;
}

export async function connect(url: string, token?: string): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], auth: token ? { token } : {}, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

export interface BenchApp {
  app: NestFastifyApplication;
  config: AppConfigShape;
  url: string;
  /** For the report: 'PostgreSQL' or 'PGlite (in memory)'. */
  database: string;
}

/** The real app on a free port: DATABASE_URL / REDIS_URL as given, else in-memory PGlite; migrations run at start. */
export async function bootBenchApp(): Promise<BenchApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: join(tmpdir(), `threadline-bench-${randomUUID()}`),
    DATABASE_URL: process.env.DATABASE_URL || 'pglite://memory',
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    REDIS_KEY_PREFIX: `threadline-bench:${randomUUID()}:`,
    JWT_SECRET: 'bench-secret-that-is-long-enough-for-hs256-0123456789',
    ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    AUTH_RATE_LIMIT_PER_IP: '1000000',
    AUTH_RATE_LIMIT_PER_EMAIL: '1000000',
    LOG_LEVEL: 'silent',
  });
  const app = await createApp(config, createRootLogger('silent'));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  return {
    app,
    config,
    url,
    database: config.database.kind === 'postgres' ? 'PostgreSQL' : 'PGlite (in memory)',
  };
}

export interface BenchClients {
  accessToken: string;
  threads: string[];
  /** `sockets[i]` is subscribed to `threads[i]`. */
  sockets: Socket[];
}

/** Registers a user, creates one thread per client, connects the clients and subscribes each to its thread. */
export async function connectClients(url: string, clients: number): Promise<BenchClients> {
  const register = await fetch(`${url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `bench-${randomUUID()}@example.test`, password: 'bench password 123' }),
  });
  const { accessToken } = (await register.json()) as { accessToken: string };
  const threads: string[] = [];
  for (let i = 0; i < clients; i++) {
    const res = await fetch(`${url}/api/threads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ title: `bench ${i}` }),
    });
    threads.push(((await res.json()) as { id: string }).id);
  }
  const sockets = await Promise.all(threads.map(() => connect(url, accessToken)));
  await Promise.all(sockets.map((s, i) => s.emitWithAck('thread:subscribe', { threadId: threads[i] })));
  return { accessToken, threads, sockets };
}
