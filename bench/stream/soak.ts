/**
 * Memory soak of the streaming engine (run by hand, not part of npm test):
 *
 *   node --expose-gc -r ts-node/register/transpile-only bench/stream/soak.ts \
 *     [--clients 50] [--seconds 300] [--chunks 2000] [--delay 10] [--interval 30] [--warmup 60] [--heap-snapshots]
 *
 * Boots the real app in-process like `stream-bench.ts` (DATABASE_URL /
 * REDIS_URL as given, else in-memory PGlite), connects N Socket.IO clients,
 * each subscribed to its own thread, and has each run `echo` actions of
 * `--chunks` chunks (8 characters each) back to back until the time is up.
 * `--delay` is echo's `delayMs` between chunks. The default, 10 ms (100
 * chunks/s offered per stream, 5,000/s for 50 clients, about an LLM token
 * stream), kept a 2-vCPU machine at about 80% with PostgreSQL and Redis on
 * it: a sustainable load, not saturation (with no delay everything queues,
 * and a growing queue would read as a leak).
 *
 * Nothing is kept per chunk: the script counts chunks, keeps only the next
 * expected order of each running action (dropped at `action:completed`) and
 * checks every action arrived complete and in order. Every `--interval`
 * seconds it runs `global.gc()` and samples `process.memoryUsage()`. At the
 * end it prints the samples, the verdict (heap after GC at the end vs. after
 * `--warmup`), and whether the engine's and gateway's in-memory maps drained.
 * `--heap-snapshots` writes a V8 heap snapshot after warm-up and at the end.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { DataSource } from 'typeorm';
import { ActionStreamEngine } from '../../src/actions/engine/action-stream.engine';
import { RealtimeGateway } from '../../src/realtime/realtime.gateway';
import { arg, bootBenchApp, Chunk, connectClients, echoText } from './common';

const CLIENTS = arg('clients', 50);
const SECONDS = arg('seconds', 300);
const CHUNKS = arg('chunks', 2000);
const DELAY = arg('delay', 10);
const INTERVAL = arg('interval', 30);
const WARMUP = arg('warmup', 60);
const SNAPSHOTS = process.argv.includes('--heap-snapshots');
/** An action that has not completed after this long counts as stalled (and its client moves on). */
const STALL_MS = 120_000;
const TEXT = echoText(CHUNKS);
const MB = 2 ** 20;

interface Sample {
  t: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** Chunks received per second since the previous sample. */
  chunksPerSec: number;
  /** This process's CPU time / wall time / cores, since the previous sample. */
  processCpu: number;
  /** Whole machine (PostgreSQL and Redis included), from /proc/stat. */
  machineCpu: number;
  /** Actions streaming at the time of the sample. */
  running: number;
}

/** Busy and total jiffies of all CPUs. */
function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = fields[3] + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const num = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return num / den;
}

async function main(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run node with --expose-gc');

  const { app, url, database } = await bootBenchApp();
  const { threads, sockets } = await connectClients(url, CLIENTS);
  const gateway = app.get(RealtimeGateway);
  const engine = app.get(ActionStreamEngine);
  // Private fields, read (not changed) to check nothing stays behind once the actions ended.
  const engineRuns = (engine as unknown as { runs: Map<string, unknown> }).runs;
  const audiences = (gateway as unknown as { audiences: Map<string, unknown> }).audiences;
  const roomsAtStart = gateway.server.of('/').adapter.rooms.size;

  /** Next order expected per running action; the entry goes at `action:completed`. */
  const nextOrder = new Map<string, number>();
  let chunks = 0;
  let outOfOrder = 0;
  let incomplete = 0;
  let notCompleted = 0;
  let stalled = 0;
  let actionsDone = 0;

  const waiters = sockets.map(() => ({ waiting: new Map<string, () => void>(), early: new Set<string>() }));
  sockets.forEach((socket, i) => {
    socket.on('action:chunk', (c: Chunk) => {
      chunks++;
      const expected = nextOrder.get(c.actionId) ?? 0;
      if (c.order !== expected) outOfOrder++;
      nextOrder.set(c.actionId, c.order + 1);
    });
    socket.on('action:completed', (c: { actionId: string; status: string }) => {
      actionsDone++;
      if (c.status !== 'completed') notCompleted++;
      if (nextOrder.get(c.actionId) !== CHUNKS) incomplete++;
      nextOrder.delete(c.actionId);
      const w = waiters[i];
      const resolve = w.waiting.get(c.actionId);
      if (resolve) {
        w.waiting.delete(c.actionId);
        resolve();
      } else w.early.add(c.actionId);
    });
  });

  const runOne = async (client: number): Promise<void> => {
    const ack = (await sockets[client].emitWithAck('action:run', {
      threadId: threads[client],
      handler: 'echo',
      request: { text: TEXT, chunks: CHUNKS, delayMs: DELAY },
    })) as { ok: boolean; action: { id: string } };
    if (!ack.ok) throw new Error(`action:run refused: ${JSON.stringify(ack)}`);
    const id = ack.action.id;
    const w = waiters[client];
    if (w.early.delete(id)) return;
    let timer: NodeJS.Timeout | undefined;
    const completed = new Promise<boolean>((resolve) => w.waiting.set(id, () => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), STALL_MS);
    });
    const ok = await Promise.race([completed, timeout]);
    clearTimeout(timer);
    if (!ok) {
      stalled++;
      w.waiting.delete(id);
    }
  };

  const samples: Sample[] = [];
  const started = performance.now();
  let last = { at: started, chunks: 0, cpu: process.cpuUsage(), ticks: machineTicks() };
  const snapshots: string[] = [];
  const sample = (): Sample => {
    gc();
    const now = performance.now();
    const m = process.memoryUsage();
    const cpu = process.cpuUsage();
    const ticks = machineTicks();
    const wallUs = (now - last.at) * 1000;
    const s: Sample = {
      t: (now - started) / 1000,
      rss: m.rss / MB,
      heapUsed: m.heapUsed / MB,
      external: m.external / MB,
      arrayBuffers: m.arrayBuffers / MB,
      chunksPerSec: wallUs > 0 ? ((chunks - last.chunks) * 1e6) / wallUs : 0,
      processCpu:
        wallUs > 0 ? (cpu.user - last.cpu.user + cpu.system - last.cpu.system) / wallUs / cpus().length : 0,
      machineCpu: (ticks.busy - last.ticks.busy) / Math.max(1, ticks.total - last.ticks.total),
      running: nextOrder.size,
    };
    last = { at: now, chunks, cpu, ticks };
    process.stderr.write(
      `t=${s.t.toFixed(0)}s heapUsed=${s.heapUsed.toFixed(1)}MB rss=${s.rss.toFixed(0)}MB ${Math.round(s.chunksPerSec)} chunks/s cpu ${Math.round(s.processCpu * 100)}%/${Math.round(s.machineCpu * 100)}%\n`,
    );
    return s;
  };

  samples.push(sample());
  const sampler = setInterval(() => {
    const s = sample();
    samples.push(s);
    if (SNAPSHOTS && snapshots.length === 0 && s.t >= WARMUP - 1) {
      snapshots.push(writeHeapSnapshot(join(tmpdir(), `soak-warm-${process.pid}.heapsnapshot`)));
    }
  }, INTERVAL * 1000);

  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      while (performance.now() < deadline) await runOne(client);
    }),
  );
  clearInterval(sampler);
  const drainedAfter = (performance.now() - started) / 1000;
  // Let the last emits and acks settle, then one more sample with nothing running.
  await new Promise((r) => setTimeout(r, 1000));
  const drained = sample();
  if (SNAPSHOTS) snapshots.push(writeHeapSnapshot(join(tmpdir(), `soak-end-${process.pid}.heapsnapshot`)));
  const leftovers = {
    engineRuns: engineRuns.size,
    gatewayAudiences: audiences.size,
    clientOrders: nextOrder.size,
    socketRoomsStart: roomsAtStart,
    socketRoomsEnd: gateway.server.of('/').adapter.rooms.size,
  };

  const [{ count }] = (await app.get(DataSource).query(
    `SELECT count(*)::int AS count FROM action_response_chunks
        WHERE action_id IN (SELECT action_id FROM thread_actions WHERE thread_id = ANY($1::uuid[]))`,
    [threads],
  )) as { count: number }[];
  for (const s of sockets) s.close();
  await app.close();

  // Samples up to --seconds; later ones fall in the tail where clients finish their last action.
  const during = samples.filter((s) => s.t <= SECONDS + 1);
  samples.push(drained);
  const warm = during.find((s) => s.t >= WARMUP - 1) ?? during[during.length - 1];
  const end = during[during.length - 1];
  const growth = end.heapUsed - warm.heapUsed;
  const allowed = Math.max(5, 0.1 * warm.heapUsed);
  const perMin = slope(during.filter((s) => s.t >= warm.t).map((s) => ({ x: s.t / 60, y: s.heapUsed })));
  const rssPerMin = slope(during.filter((s) => s.t >= warm.t).map((s) => ({ x: s.t / 60, y: s.rss })));
  const fmt = (n: number): string => n.toFixed(1);

  const out = [
    `clients ${CLIENTS}, ${CHUNKS} chunks of 8 characters per echo, delayMs ${DELAY}, ${SECONDS} s, database ${database}${process.env.REDIS_URL ? ' + Redis' : ''}, gc + sample every ${INTERVAL} s`,
    '',
    '| t (s) | heapUsed MB | rss MB | external MB | arrayBuffers MB | chunks/s (interval) | CPU process / machine | actions streaming |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...samples.map((s) =>
      [
        '',
        s === drained ? `${s.t.toFixed(0)} (drained)` : s.t.toFixed(0),
        fmt(s.heapUsed),
        fmt(s.rss),
        fmt(s.external),
        fmt(s.arrayBuffers),
        s.t < 1 ? '—' : Math.round(s.chunksPerSec),
        s.t < 1 ? '—' : `${Math.round(s.processCpu * 100)}% / ${Math.round(s.machineCpu * 100)}%`,
        s.running,
        '',
      ]
        .join(' | ')
        .trim(),
    ),
    '',
    `actions completed ${actionsDone} (not 'completed': ${notCompleted}, missing chunks: ${incomplete}, stalled > ${STALL_MS / 1000} s: ${stalled}); chunks received ${chunks} (${Math.round(chunks / drainedAfter)}/s over ${drainedAfter.toFixed(0)} s), out of order ${outOfOrder}, stored ${count}`,
    `maps after the run: engine runs ${leftovers.engineRuns}, gateway audiences ${leftovers.gatewayAudiences}, client order entries ${leftovers.clientOrders}; Socket.IO rooms ${leftovers.socketRoomsStart} at start, ${leftovers.socketRoomsEnd} at end`,
    `heapUsed after GC: ${fmt(warm.heapUsed)} MB at ${warm.t.toFixed(0)} s (warm), ${fmt(end.heapUsed)} MB at ${end.t.toFixed(0)} s (end), growth ${growth >= 0 ? '+' : ''}${fmt(growth)} MB; slope after warm-up ${perMin.toFixed(2)} MB/min (rss ${rssPerMin.toFixed(2)} MB/min)`,
    `with nothing running: heapUsed ${fmt(samples[0].heapUsed)} MB at the start, ${fmt(drained.heapUsed)} MB after the run (${drained.heapUsed - samples[0].heapUsed >= 0 ? '+' : ''}${fmt(drained.heapUsed - samples[0].heapUsed)} MB)`,
    `verdict (flat = growth after warm-up < max(5 MB, 10% of the warm heap) = ${fmt(allowed)} MB): ${growth < allowed ? 'FLAT' : 'GROWING'}`,
    ...(snapshots.length ? [`heap snapshots: ${snapshots.join(', ')}`] : []),
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
