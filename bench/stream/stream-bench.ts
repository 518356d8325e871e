/**
 * Streaming benchmark (run by hand, not part of npm test):
 *
 *   TS_NODE_TRANSPILE_ONLY=1 npx ts-node bench/stream/stream-bench.ts [--clients 50] [--seconds 20] [--chunks 2000]
 *
 * Phase 1, "bare": a plain Socket.IO server emits the same `action:chunk`
 * payloads without storing anything. Phase 2, "threadline": the real app
 * (DATABASE_URL / REDIS_URL as given, else in-memory PGlite) runs `echo`
 * actions through the engine, which stores every chunk before emitting it.
 * N clients each run one stream after another for the duration. Clients and
 * server share this process (and its clock), for both phases alike.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Server } from 'socket.io';
import { DataSource } from 'typeorm';
import { ACTION_CHUNKS, ActionChunksEvent } from '../../src/actions/actions.events';
import type { ActionChunkInput, ActionHandlerContext } from '../../src/actions/handlers/action-handler';
import { EchoConfig, EchoHandler, EchoRequest, splitInto } from '../../src/actions/handlers/echo.handler';
import { arg, bootBenchApp, Chunk, connect, connectClients, echoText } from './common';

const CLIENTS = arg('clients', 50);
const SECONDS = arg('seconds', 20);
const CHUNKS = arg('chunks', 2000);
/** 0: as fast as possible (throughput); > 0: one chunk every DELAY ms per stream (latency at a given load). */
const DELAY = arg('delay', 0);
const TEXT = echoText(CHUNKS);

interface PhaseResult {
  name: string;
  streams: number;
  chunksReceived: number;
  chunksPersisted: number | null;
  seconds: number;
  latencies: number[];
  producedLatencies: number[];
  peakRssMb: number;
  peakHeapMb: number;
}

const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function memorySampler(): { stop: () => { rss: number; heap: number } } {
  let rss = 0;
  let heap = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  const timer = setInterval(sample, 250);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { rss: rss / 2 ** 20, heap: heap / 2 ** 20 };
    },
  };
}

/** Time each chunk was emitted (server side) and received (client side), keyed by action and order. */
class Clock {
  readonly emitted = new Map<string, number>();
  readonly produced = new Map<string, number>();
  readonly latencies: number[] = [];
  readonly producedLatencies: number[] = [];
  received = 0;

  receipt(c: Chunk): void {
    const now = performance.now();
    const key = `${c.actionId}:${c.order}`;
    const emitted = this.emitted.get(key);
    if (emitted !== undefined) this.latencies.push(now - emitted);
    const produced = this.produced.get(key);
    if (produced !== undefined) this.producedLatencies.push(now - produced);
    this.emitted.delete(key);
    this.produced.delete(key);
    this.received++;
  }
}

/** Runs `runOne` back to back on every client until the time is up; returns the streams started. */
async function drive(
  runOne: (client: number) => Promise<void>,
): Promise<{ streams: number; seconds: number }> {
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  let streams = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      while (performance.now() < deadline) {
        streams++;
        await runOne(client);
      }
    }),
  );
  return { streams, seconds: (performance.now() - started) / 1000 };
}

async function barePhase(): Promise<PhaseResult> {
  const http = createServer();
  const server = new Server(http);
  const clock = new Clock();
  server.on('connection', (socket) => {
    socket.on('run', (_: unknown, ack: (id: string) => void) => {
      const actionId = randomUUID();
      ack(actionId);
      const pieces = splitInto(TEXT, CHUNKS);
      let order = 0;
      // Emits in batches of 250 per event-loop turn, as the engine announces a stored batch.
      const emitBatch = (): void => {
        const end = Math.min(order + (DELAY > 0 ? 1 : 250), pieces.length);
        for (; order < end; order++) {
          clock.emitted.set(`${actionId}:${order}`, performance.now());
          socket.emit('action:chunk', { actionId, order, mime: 'text/plain', text: pieces[order] });
        }
        if (order < pieces.length) {
          if (DELAY > 0) setTimeout(emitBatch, DELAY);
          else setImmediate(emitBatch);
        } else
          socket.emit('action:completed', {
            actionId,
            status: 'completed',
            completedAt: new Date().toISOString(),
          });
      };
      setImmediate(emitBatch);
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const sockets = await Promise.all(Array.from({ length: CLIENTS }, () => connect(url)));
  const memory = memorySampler();
  const { streams, seconds } = await drive(async (client) => {
    const socket = sockets[client];
    const done = new Promise<void>((resolve) => {
      const onChunk = (c: Chunk): void => clock.receipt(c);
      socket.on('action:chunk', onChunk);
      socket.once('action:completed', () => {
        socket.off('action:chunk', onChunk);
        resolve();
      });
    });
    await socket.emitWithAck('run', {});
    await done;
  });
  const mem = memory.stop();
  for (const s of sockets) s.close();
  await new Promise<void>((r) => server.close(() => r()));
  return {
    name: 'bare Socket.IO (no storage)',
    streams,
    chunksReceived: clock.received,
    chunksPersisted: null,
    seconds,
    latencies: clock.latencies,
    producedLatencies: [],
    peakRssMb: mem.rss,
    peakHeapMb: mem.heap,
  };
}

async function appPhase(): Promise<PhaseResult & { database: string }> {
  const { app, url, database } = await bootBenchApp();
  const clock = new Clock();

  // Instrumentation only: when the engine announces a stored chunk, and when echo produced it.
  app.get(EventEmitter2).on(ACTION_CHUNKS, (e: ActionChunksEvent) => {
    const now = performance.now();
    for (const c of e.chunks) clock.emitted.set(`${e.actionId}:${c.order}`, now);
  });
  const echo = app.get(EchoHandler);
  const run = echo.run.bind(echo);
  echo.run = async function* timed(
    ctx: ActionHandlerContext<EchoRequest, EchoConfig>,
  ): AsyncIterable<ActionChunkInput> {
    let order = 0;
    for await (const chunk of run(ctx)) {
      clock.produced.set(`${ctx.actionId}:${order++}`, performance.now());
      yield chunk;
    }
  };

  const { threads, sockets } = await connectClients(url, CLIENTS);
  const actionIds: string[] = [];
  let failures = 0;

  const memory = memorySampler();
  const { streams, seconds } = await drive(async (client) => {
    const socket = sockets[client];
    let actionId: string | null = null;
    const early: Chunk[] = [];
    const done = new Promise<void>((resolve) => {
      const onChunk = (c: Chunk): void => {
        if (actionId === null) early.push(c);
        else if (c.actionId === actionId) clock.receipt(c);
      };
      const onCompleted = (c: { actionId: string; status: string }): void => {
        if (actionId !== null && c.actionId !== actionId) return;
        if (c.status !== 'completed') failures++;
        socket.off('action:chunk', onChunk);
        socket.off('action:completed', onCompleted);
        resolve();
      };
      socket.on('action:chunk', onChunk);
      socket.on('action:completed', onCompleted);
    });
    const ack = (await socket.emitWithAck('action:run', {
      threadId: threads[client],
      handler: 'echo',
      request: { text: TEXT, chunks: CHUNKS, ...(DELAY > 0 ? { delayMs: DELAY } : {}) },
    })) as { ok: boolean; action: { id: string } };
    if (!ack.ok) throw new Error(`action:run refused: ${JSON.stringify(ack)}`);
    actionId = ack.action.id;
    actionIds.push(actionId);
    for (const c of early.splice(0)) if (c.actionId === actionId) clock.receipt(c);
    await done;
  });
  const mem = memory.stop();

  const [{ count }] = (await app
    .get(DataSource)
    .query(`SELECT count(*)::int AS count FROM action_response_chunks WHERE action_id = ANY($1::uuid[])`, [
      actionIds,
    ])) as { count: number }[];
  for (const s of sockets) s.close();
  await app.close();
  if (failures > 0) console.error(`${failures} streams did not complete`);
  return {
    name: 'threadline (engine, every chunk stored)',
    database,
    streams,
    chunksReceived: clock.received,
    chunksPersisted: Number(count),
    seconds,
    latencies: clock.latencies,
    producedLatencies: clock.producedLatencies,
    peakRssMb: mem.rss,
    peakHeapMb: mem.heap,
  };
}

function row(r: PhaseResult): string {
  const lat = [...r.latencies].sort((a, b) => a - b);
  const prod = [...r.producedLatencies].sort((a, b) => a - b);
  const fmt = (n: number): string => (Number.isNaN(n) ? '—' : n.toFixed(1));
  return [
    r.name,
    r.streams,
    r.chunksReceived,
    Math.round(r.chunksReceived / r.seconds),
    r.chunksPersisted === null ? '—' : Math.round(r.chunksPersisted / r.seconds),
    fmt(percentile(lat, 50)),
    fmt(percentile(lat, 99)),
    prod.length ? `${fmt(percentile(prod, 50))} / ${fmt(percentile(prod, 99))}` : '—',
    `${Math.round(r.peakRssMb)} / ${Math.round(r.peakHeapMb)}`,
  ].join(' | ');
}

async function main(): Promise<void> {
  if (process.argv.includes('--app-only')) {
    const only = await appPhase();
    process.stdout.write(`| ${row(only)} |\n`);
    return;
  }
  const bare = await barePhase();
  const app = await appPhase();
  const ratio = app.chunksReceived / app.seconds / (bare.chunksReceived / bare.seconds);
  const appP99 = percentile(
    [...app.latencies].sort((a, b) => a - b),
    99,
  );
  const out = [
    `clients ${CLIENTS}, ${CHUNKS} chunks per echo, ${DELAY > 0 ? `one chunk every ${DELAY} ms per stream` : 'no delay'}, ${SECONDS} s per phase, database ${app.database}${process.env.REDIS_URL ? ' + Redis (Socket.IO adapter; chunks relayed one message per stored batch)' : ''}`,
    '',
    '| server | streams | chunks received | delivered chunks/s | persisted chunks/s | emit→receipt p50 ms | emit→receipt p99 ms | yield→receipt p50 / p99 ms | peak RSS / heap MB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    `| ${row(bare)} |`,
    `| ${row(app)} |`,
    '',
    `threadline / bare delivered rate: ${(ratio * 100).toFixed(0)}% (target ≥ 50%); emit→receipt p99 ${appP99.toFixed(1)} ms (target < 50 ms); every received chunk stored: ${app.chunksPersisted !== null && app.chunksPersisted >= app.chunksReceived / 1}`,
  ].join('\n');
  process.stdout.write(`${out}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
