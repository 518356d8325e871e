/**
 * LLM gateway overhead benchmark, run by hand (not part of `npm test`):
 *
 *   npm run build && npx ts-node --transpile-only bench/llm/run.ts [options]
 *
 * Streams chat completions with the official `openai` client, N at a time,
 * once straight to an OpenAI fake and once through Threadline's
 * `/v1/chat/completions` (personal access token, model `<service>/<model>`)
 * to the same fake, and compares time to first delta (TTFD) and total time.
 * The fake and the app each run in their own child process; the modes
 * alternate (direct, gateway, direct, gateway…) so drift hits both.
 *
 * Options: --concurrency N (50), --streams N (per worker per round, 10),
 *   --rounds N (3), --deltas N (20), --inter MS (10, between upstream deltas),
 *   --client lean|openai (lean, the default: undici's `request` on a keep-alive
 *   pool, events split at blank lines and each `data:` JSON-parsed; openai: the
 *   official client, whose fetch and web streams cost the shared box a few
 *   times more CPU per stream),
 *   --arrivals spread|together (spread, the default: worker k starts k/N of a
 *   stream's length late, so the N streams are concurrent but new requests
 *   arrive evenly; together: all N start at once and, streams being of equal
 *   length, stay in step: a burst of N new requests every stream length),
 *   --pin (Linux: the app on CPU 1, the client and the fake on CPU 0, with
 *   `taskset`),
 *   --load-nice N (0; Linux: every thread of the client and of the fake at nice N,
 *   the app at 0: on a box they share, the load generator then does not take
 *   CPU time the app is waiting for, as it would not from another machine).
 * Environment: BENCH_APP_NODE_ARGS (extra node flags for the app, e.g.
 *   "--cpu-prof --cpu-prof-dir=/tmp/prof"), BENCH_DATABASE_URL (the app's database; default pglite://memory,
 *   e.g. postgres://postgres@127.0.0.1:5432/tl_bench_llm, which is dropped and recreated).
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { setPriority, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { Client } from 'pg';
import { Pool } from 'undici';

const ROOT = resolve(__dirname, '../..');
const UPSTREAM_KEY = 'sk-bench-upstream';

const option = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const CONCURRENCY = option('concurrency', 50);
const STREAMS = option('streams', 10);
const ROUNDS = option('rounds', 3);
const DELTAS = option('deltas', 20);
const INTER_MS = option('inter', 10);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'pglite://memory';
const choice = (name: string, values: string[]): string => {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : values[0];
  if (!values.includes(value)) throw new Error(`--${name} is one of ${values.join(', ')}`);
  return value;
};
const CLIENT = choice('client', ['lean', 'openai']);
const SPREAD = choice('arrivals', ['spread', 'together']) === 'spread';
const PIN = process.argv.includes('--pin');
const LOAD_NICE = option('load-nice', 0);

interface Sample {
  ttfd: number;
  total: number;
}

function node(args: string[], env: Record<string, string>, nodeArgs: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, ...args], {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** A TypeScript entry point run through ts-node. */
const child = (args: string[], env: Record<string, string>): ChildProcess =>
  node(['-r', 'ts-node/register/transpile-only', ...args], env);

/** The lines a child prints on stdout, one `next()` per line, in order; rejects once it has exited. */
function lineReader(proc: ChildProcess): () => Promise<string> {
  const lines: string[] = [];
  const waiting: { resolve: (line: string) => void; reject: (err: Error) => void }[] = [];
  let buffer = '';
  proc.once('exit', (code) => {
    for (const waiter of waiting.splice(0)) waiter.reject(new Error(`child exited with ${code}`));
  });
  proc.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const waiter = waiting.shift();
      if (waiter) waiter.resolve(line);
      else lines.push(line);
    }
  });
  return () => {
    const line = lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (proc.exitCode !== null) return Promise.reject(new Error(`child exited with ${proc.exitCode}`));
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

async function waitForHealth(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the app did not become healthy');
}

async function resetDatabase(): Promise<void> {
  if (!DATABASE_URL.startsWith('postgres')) return;
  const url = new URL(DATABASE_URL);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.href });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
}

async function json(res: Response): Promise<Record<string, unknown>> {
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** A user, a personal access token, a service pointing at the fake and its model. */
async function provision(appUrl: string, fakeUrl: string): Promise<{ token: string; model: string }> {
  const post = (path: string, body: object, token?: string) =>
    fetch(`${appUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    }).then(json);
  const reg = await post('/api/auth/register', {
    email: `bench-${Date.now()}@example.test`,
    password: 'bench password 1',
  });
  const access = reg.accessToken as string;
  const pat = await post('/api/auth/tokens', { name: 'bench', scopes: ['llm:invoke'] }, access);
  const service = await post(
    '/api/llm/services',
    { name: 'fake', provider: 'openai', baseUrl: fakeUrl, apiKey: UPSTREAM_KEY },
    access,
  );
  await post(`/api/llm/services/${service.id as string}/models`, { name: 'gpt-fake' }, access);
  return { token: pat.token as string, model: 'fake/gpt-fake' };
}

async function oneStream(client: OpenAI, model: string): Promise<Sample> {
  const started = performance.now();
  let ttfd = -1;
  let text = '';
  const stream = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'benchmark me' }],
    stream: true,
  });
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta.content;
    if (delta) {
      if (ttfd < 0) ttfd = performance.now() - started;
      text += delta;
    }
  }
  if (text.split(' ').length - 1 !== DELTAS) throw new Error(`incomplete stream: ${text.length} chars`);
  return { ttfd, total: performance.now() - started };
}

/** One streamed completion from `baseUrl` (…/v1) with the SDK or with the lean client. */
interface StreamClient {
  stream(model: string): Promise<Sample>;
  close(): Promise<void>;
}

function openAiClient(baseURL: string, apiKey: string): StreamClient {
  const client = new OpenAI({ apiKey, baseURL, maxRetries: 0 });
  return { stream: (model) => oneStream(client, model), close: async () => undefined };
}

/**
 * The same request and the same checks as `oneStream`, without the SDK's
 * fetch and web streams: undici's `request` on a keep-alive pool, events split
 * at blank lines, each `data:` JSON-parsed as any client must.
 */
function leanClient(baseUrl: string, apiKey: string): StreamClient {
  const url = new URL(`${baseUrl}/chat/completions`);
  const pool = new Pool(url.origin, { connections: CONCURRENCY, pipelining: 1 });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` };
  return {
    async stream(model: string): Promise<Sample> {
      const started = performance.now();
      let ttfd = -1;
      let text = '';
      const body = JSON.stringify({
        model,
        messages: [{ role: 'user', content: 'benchmark me' }],
        stream: true,
      });
      const res = await pool.request({ path: url.pathname, method: 'POST', headers, body });
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${await res.body.text()}`);
      let buffer = '';
      let done = false;
      res.body.setEncoding('utf8');
      for await (const piece of res.body as AsyncIterable<string>) {
        buffer += piece;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!event.startsWith('data: ')) continue;
          const data = event.slice(6);
          if (data === '[DONE]') {
            done = true;
            continue;
          }
          const chunk = JSON.parse(data) as { choices: { delta: { content?: string } }[] };
          const delta = chunk.choices[0]?.delta.content;
          if (delta) {
            if (ttfd < 0) ttfd = performance.now() - started;
            text += delta;
          }
        }
      }
      if (!done || text.split(' ').length - 1 !== DELTAS)
        throw new Error(`incomplete stream: ${text.length} chars`);
      return { ttfd, total: performance.now() - started };
    },
    close: () => pool.close(),
  };
}

/** `taskset -cp <cpu> <pid>` (Linux): --pin keeps the app and the load on separate cores. */
function pin(pid: number | undefined, cpu: number): void {
  if (pid === undefined) return;
  const result = spawnSync('taskset', ['-cp', String(cpu), String(pid)], { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`taskset could not pin ${pid} to CPU ${cpu}`);
}

/** Every thread of a process at nice `value` (on Linux, `setpriority` with a pid changes one thread). */
function renice(pid: number | undefined, value: number): void {
  if (pid === undefined) return;
  for (const tid of readdirSync(`/proc/${pid}/task`)) setPriority(Number(tid), value);
}

async function runMode(client: StreamClient, model: string, streams: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      // Spread: worker k starts k/N of a stream's length late, so new requests arrive evenly
      // instead of N at once every stream length (streams of equal length keep their phase).
      if (SPREAD) await new Promise((r) => setTimeout(r, (worker * DELTAS * INTER_MS) / CONCURRENCY));
      for (let i = 0; i < streams; i++) samples.push(await client.stream(model));
    }),
  );
  return samples;
}

/** CPU time (ms) a process has used so far, from /proc (Linux); 0 where that is not readable. */
function cpuMsOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** CPU time (ms) of every PostgreSQL process on this host (the database may be shared: an estimate). */
function postgresCpuMs(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') total += cpuMsOf(Number(entry));
    } catch {
      // the process is gone
    }
  }
  return total;
}

/**
 * CPU time (ms, all cores) the hypervisor gave to other guests while this one
 * had work (`steal` in /proc/stat): the box's own noise, 0 where not readable.
 */
function stealMs(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
    return (Number(fields[8]) * 1000) / 100;
  } catch {
    return 0;
  }
}

interface CpuUse {
  client: number;
  fake: number;
  app: number;
  postgres: number;
  steal: number;
}

function cpuSnapshot(fake: ChildProcess, app: ChildProcess): CpuUse {
  const own = process.cpuUsage();
  return {
    client: (own.user + own.system) / 1000,
    fake: cpuMsOf(fake.pid),
    app: cpuMsOf(app.pid),
    postgres: postgresCpuMs(),
    steal: stealMs(),
  };
}

function addCpu(total: CpuUse, before: CpuUse, after: CpuUse): void {
  for (const key of Object.keys(total) as Array<keyof CpuUse>) total[key] += after[key] - before[key];
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function summary(samples: Sample[]) {
  const ttfd = samples.map((s) => s.ttfd).sort((a, b) => a - b);
  const total = samples.map((s) => s.total).sort((a, b) => a - b);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    n: samples.length,
    ttfd: {
      p50: percentile(ttfd, 50),
      p90: percentile(ttfd, 90),
      p99: percentile(ttfd, 99),
      mean: mean(ttfd),
    },
    total: {
      p50: percentile(total, 50),
      p90: percentile(total, 90),
      p99: percentile(total, 99),
      mean: mean(total),
    },
  };
}

async function main(): Promise<void> {
  await resetDatabase();
  const fake = child(
    ['bench/llm/fake-server.ts', '--deltas', String(DELTAS), '--inter', String(INTER_MS)],
    {},
  );
  const fakeLine = lineReader(fake);
  const { url: fakeUrl, port: fakePort } = JSON.parse(await fakeLine()) as { url: string; port: number };
  /** TCP connections the fake accepted so far. */
  const fakeConnections = async (): Promise<number> => {
    const line = fakeLine();
    fake.kill('SIGUSR2');
    return (JSON.parse(await line) as { connections: number }).connections;
  };
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'tl-bench-llm-'));
  // The built app, as `npm start` runs it (the fake and the client run from source).
  const appEntry = join(ROOT, 'dist/src/cli.js');
  if (!existsSync(appEntry)) throw new Error('dist/src/cli.js is missing: run `npm run build` first');
  const app = node(
    [appEntry, 'serve'],
    {
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL,
      JWT_SECRET: randomBytes(48).toString('base64url'),
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LLM_EGRESS_ALLOWLIST: `127.0.0.1:${fakePort}`,
      LOG_LEVEL: 'warn',
    },
    process.env.BENCH_APP_NODE_ARGS?.split(' ').filter(Boolean),
  );
  const appUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(appUrl);
    const { token, model } = await provision(appUrl, fakeUrl);
    const makeClient = CLIENT === 'lean' ? leanClient : openAiClient;
    const direct = makeClient(fakeUrl, UPSTREAM_KEY);
    const gateway = makeClient(`${appUrl}/v1`, token);
    if (PIN) {
      pin(process.pid, 0);
      pin(fake.pid, 0);
      pin(app.pid, 1);
    }
    if (LOAD_NICE !== 0) {
      renice(process.pid, LOAD_NICE);
      renice(fake.pid, LOAD_NICE);
    }

    // Warm-up: JIT, connection pools, keep-alive sockets on every hop.
    await runMode(direct, 'gpt-fake', 2);
    await runMode(gateway, model, 2);

    const results: { direct: Sample[]; gateway: Sample[] } = { direct: [], gateway: [] };
    const zero = (): CpuUse => ({ client: 0, fake: 0, app: 0, postgres: 0, steal: 0 });
    const cpu = { direct: zero(), gateway: zero() };
    const wall = { direct: 0, gateway: 0 };
    const connections = { direct: 0, gateway: 0 };
    const measured = async (mode: 'direct' | 'gateway', run: () => Promise<Sample[]>): Promise<void> => {
      const connectionsBefore = await fakeConnections();
      const before = cpuSnapshot(fake, app);
      const started = performance.now();
      results[mode].push(...(await run()));
      wall[mode] += performance.now() - started;
      addCpu(cpu[mode], before, cpuSnapshot(fake, app));
      connections[mode] += (await fakeConnections()) - connectionsBefore;
    };
    for (let round = 0; round < ROUNDS; round++) {
      await measured('direct', () => runMode(direct, 'gpt-fake', STREAMS));
      await measured('gateway', () => runMode(gateway, model, STREAMS));
      process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
    }
    const d = summary(results.direct);
    const g = summary(results.gateway);
    const row = (label: string, key: 'ttfd' | 'total', p: 'p50' | 'p90' | 'p99' | 'mean') =>
      `| ${label} ${p} | ${d[key][p].toFixed(2)} | ${g[key][p].toFixed(2)} | ${(g[key][p] - d[key][p]).toFixed(2)} | ${(g[key][p] / d[key][p]).toFixed(2)}× |`;
    const lines = [
      `database: ${DATABASE_URL.replace(/\/\/[^@]*@/, '//')}, concurrency ${CONCURRENCY}, ${d.n} streams per mode, ${DELTAS} deltas ${INTER_MS} ms apart, client ${CLIENT}, arrivals ${SPREAD ? 'spread' : 'together'}${PIN ? ', pinned (app on CPU 1, client and fake on CPU 0)' : ''}${LOAD_NICE !== 0 ? `, client and fake at nice ${LOAD_NICE}` : ''}`,
      '',
      '| metric (ms) | direct | gateway | gateway − direct | ratio |',
      '| --- | --- | --- | --- | --- |',
      ...(['p50', 'p90', 'p99', 'mean'] as const).map((p) => row('TTFD', 'ttfd', p)),
      ...(['p50', 'p90', 'p99', 'mean'] as const).map((p) => row('total', 'total', p)),
    ];
    const cpuRow = (mode: 'direct' | 'gateway') => {
      const c = cpu[mode];
      const share = (ms: number) => `${((ms / wall[mode]) * 100).toFixed(0)}%`;
      const perStream = (ms: number) => (ms / results[mode].length).toFixed(2);
      return `| ${mode} | ${share(c.client)} | ${share(c.fake)} | ${share(c.app)} | ${share(c.postgres)} | ${share(c.steal)} | ${perStream(c.app)} | ${connections[mode]} |`;
    };
    lines.push(
      '',
      'CPU while each mode ran (% of one core; 200% = the whole 2-core box; steal: taken by the hypervisor):',
      '',
      '| mode | client | fake | app | postgres | steal | app CPU ms per stream | connections to the fake |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      cpuRow('direct'),
      cpuRow('gateway'),
    );
    process.stdout.write(`${lines.join('\n')}\n`);
    await Promise.all([direct.close(), gateway.close()]);
  } finally {
    app.kill('SIGTERM');
    fake.kill('SIGTERM');
    await new Promise((r) => app.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
