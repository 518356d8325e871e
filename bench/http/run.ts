/**
 * HTTP overhead benchmark, run by hand (not part of `npm test`):
 *
 *   npm run build && npx ts-node --transpile-only bench/http/run.ts [options]
 *
 * Authenticated `GET /api/workspaces` on the real app (`node dist/src/cli.js
 * serve`, a child process) against a bare Fastify + pg server doing the same
 * queries (bench/http/bare-server.ts, a child process too), on the same
 * PostgreSQL database, with autocannon. Each measured run is preceded by a
 * warm-up; the two servers alternate (app, bare, app, bare…) so drift and
 * noise hit both.
 *
 * Options: --duration S (20), --warmup S (5), --connections N (50),
 *   --rounds N (2), --workspaces N (10, the caller's workspace count),
 *   --pool N (pg pool size given to the bare server; the app's is fixed at 20),
 *   --profile (runs both servers under --cpu-prof; the profiles' summaries are printed),
 *   --only app|bare, --app-entry PATH (another build's cli.js, to compare builds).
 * Environment: BENCH_PG_URL (postgres://postgres@127.0.0.1:5432, the server;
 *   the database tl_bench_http is dropped and recreated there).
 */
import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Client } from 'pg';
import type { createDataSource as CreateDataSource } from '../../src/database/data-source';
import { summarizeProfile } from './profile-summary';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p97_5: number; p99: number; average: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
// autocannon ships no type declarations; this is the slice used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as Autocannon;

const ROOT = resolve(__dirname, '../..');
const DB_NAME = 'tl_bench_http';
const APP_POOL_SIZE = 20; // src/database/data-source.ts: extra.max

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const flagged = (name: string): boolean => process.argv.includes(`--${name}`);
const textOption = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const appEntryOption = textOption('app-entry');
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex >= 0 ? process.argv[onlyIndex + 1] : undefined;

const opts = {
  duration: option('duration', 20),
  warmup: option('warmup', 5),
  connections: option('connections', 50),
  rounds: option('rounds', 2),
  workspaces: option('workspaces', 10),
  pool: option('pool', APP_POOL_SIZE),
  profile: flagged('profile'),
};

const serverUrl = (process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432').replace(/\/+$/, '');
const databaseUrl = `${serverUrl}/${DB_NAME}`;
const jwtSecret = randomBytes(48).toString('base64url');

async function recreateDatabase(): Promise<void> {
  const admin = new Client({ connectionString: `${serverUrl}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DB_NAME}`);
  } finally {
    await admin.end();
  }
  // The build's own migrations (dist/), so the schema matches the app under test
  // even while src/ is being edited.
  const dist = resolve(appEntryOption ?? join(ROOT, 'dist/src/cli.js'), '..');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createDataSource } = require(join(dist, 'database/data-source')) as {
    createDataSource: typeof CreateDataSource;
  };
  const ds = await createDataSource({ kind: 'postgres', url: databaseUrl }).initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}

interface Child {
  name: string;
  url: string;
  proc: ChildProcess;
}

function start(name: string, args: string[], env: Record<string, string>, port: number): Child {
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env, PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  proc.on('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`${name} exited early (code ${code}, signal ${signal})\n`);
  });
  return { name, url: `http://127.0.0.1:${port}`, proc };
}

let stopping = false;
async function stop(child: Child, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.proc.once('exit', () => done()));
  child.proc.kill(signal);
  await Promise.race([exited, new Promise((done) => setTimeout(done, 15_000))]);
}

async function waitHealthy(child: Child): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${child.url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`${child.name} did not become healthy`);
}

async function json(url: string, init: RequestInit): Promise<unknown> {
  const res = await fetch(url, init);
  const body: unknown = await res.json();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function seed(app: Child): Promise<string> {
  const { accessToken } = (await json(`${app.url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, password: 'bench-password-123' }),
  })) as { accessToken: string };
  const auth = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
  for (let i = 1; i < opts.workspaces; i++) {
    await json(`${app.url}/api/workspaces`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: `Bench workspace ${i}` }),
    });
  }
  return accessToken;
}

const load = (url: string, token: string, seconds: number): Promise<AutocannonResult> =>
  autocannon({
    url: `${url}/api/workspaces`,
    headers: { authorization: `Bearer ${token}` },
    connections: opts.connections,
    duration: seconds,
  });

interface Run {
  server: string;
  round: number;
  rps: number;
  p50: number;
  p975: number;
  p99: number;
  max: number;
  bad: number;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (n: number, digits = 1): string => n.toFixed(digits);

async function main(): Promise<void> {
  const appEntry = resolve(appEntryOption ?? join(ROOT, 'dist/src/cli.js'));
  if (!existsSync(appEntry)) throw new Error('dist/src/cli.js is missing: run `npm run build` first');
  await recreateDatabase();

  const dataDir = mkdtempSync(join(tmpdir(), 'tl-bench-http-'));
  const profiling = (name: string): string[] =>
    opts.profile
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${join(dataDir, `profile-${name}`)}`,
          '-r',
          join(__dirname, 'profile-exit.js'),
        ]
      : [];
  // BENCH_APP_NODE_ARGS: extra node flags for the app (e.g. GC tuning), space-separated.
  const appNodeArgs = (process.env.BENCH_APP_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const appArgs = [...appNodeArgs, ...profiling('app'), appEntry, 'serve'];
  const app = start(
    'app',
    appArgs,
    {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      MIGRATE_ON_START: 'false',
      JWT_SECRET: jwtSecret,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      ACCESS_TOKEN_TTL: '2h',
      AUTH_RATE_LIMIT_PER_IP: '1000000',
      AUTH_RATE_LIMIT_PER_EMAIL: '1000000',
      LOG_LEVEL: 'warn',
      // CACHE_TTL_SECONDS=0 makes the app run the session query on every request, like the bare server.
      ...(process.env.CACHE_TTL_SECONDS !== undefined
        ? { CACHE_TTL_SECONDS: process.env.CACHE_TTL_SECONDS }
        : {}),
    },
    3100,
  );
  const bare = start(
    'bare',
    [...profiling('bare'), '-r', 'ts-node/register/transpile-only', join(__dirname, 'bare-server.ts')],
    {
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      JWT_SECRET: jwtSecret,
      PG_POOL_MAX: String(opts.pool),
    },
    3101,
  );
  const runs: Run[] = [];
  try {
    await Promise.all([waitHealthy(app), waitHealthy(bare)]);
    const token = await seed(app);

    // Both must answer the same 200 body, or the comparison means nothing.
    const headers = { authorization: `Bearer ${token}` };
    const [fromApp, fromBare] = await Promise.all([
      json(`${app.url}/api/workspaces`, { headers }),
      json(`${bare.url}/api/workspaces`, { headers }),
    ]);
    if (!isDeepStrictEqual(fromApp, fromBare)) {
      throw new Error(`bodies differ:\napp  ${JSON.stringify(fromApp)}\nbare ${JSON.stringify(fromBare)}`);
    }
    process.stderr.write(
      `seeded ${(fromApp as { items: unknown[] }).items.length} workspaces; bodies identical\n`,
    );

    const targets = [app, bare].filter((t) => !only || t.name === only);
    for (let round = 1; round <= opts.rounds; round++) {
      for (const target of targets) {
        process.stderr.write(
          `round ${round} ${target.name}: warm-up ${opts.warmup}s, measure ${opts.duration}s\n`,
        );
        if (opts.warmup > 0) await load(target.url, token, opts.warmup);
        const r = await load(target.url, token, opts.duration);
        const run: Run = {
          server: target.name,
          round,
          rps: r.requests.average,
          p50: r.latency.p50,
          p975: r.latency.p97_5,
          p99: r.latency.p99,
          max: r.latency.max,
          bad: r.non2xx + r.errors + r.timeouts,
        };
        runs.push(run);
        process.stderr.write(
          `  ${fmt(run.rps)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, bad ${run.bad}\n`,
        );
      }
    }
  } finally {
    stopping = true;
    const signal = opts.profile ? 'SIGUSR2' : 'SIGTERM';
    await Promise.all([stop(app, signal), stop(bare, signal)]);
  }

  report(runs);
  if (opts.profile) {
    for (const name of ['app', 'bare']) {
      const dir = join(dataDir, `profile-${name}`);
      if (!existsSync(dir)) continue;
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
        process.stdout.write(`\nCPU profile of ${name}: ${join(dir, file)}\n`);
        process.stdout.write(summarizeProfile(join(dir, file)));
      }
    }
  } else {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function report(runs: Run[]): void {
  const lines = [
    `connections ${opts.connections}, ${opts.duration} s per run after a ${opts.warmup} s warm-up, ` +
      `${opts.rounds} round(s), ${opts.workspaces} workspaces in the page, pg pool ${APP_POOL_SIZE} (app) / ${opts.pool} (bare)`,
    '',
    '| server | round | req/s | p50 ms | p97.5 ms | p99 ms | max ms | non-2xx/errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...runs.map(
      (r) =>
        `| ${r.server} | ${r.round} | ${fmt(r.rps)} | ${r.p50} | ${r.p975} | ${r.p99} | ${r.max} | ${r.bad} |`,
    ),
  ];
  const summary: Record<string, { rps: number; p50: number; p975: number; p99: number }> = {};
  for (const server of ['app', 'bare']) {
    const mine = runs.filter((r) => r.server === server);
    if (mine.length === 0) continue;
    summary[server] = {
      rps: mean(mine.map((r) => r.rps)),
      p50: mean(mine.map((r) => r.p50)),
      p975: mean(mine.map((r) => r.p975)),
      p99: mean(mine.map((r) => r.p99)),
    };
    lines.push(
      `| **${server} (mean)** | | **${fmt(summary[server].rps)}** | ${fmt(summary[server].p50)} | ` +
        `${fmt(summary[server].p975)} | ${fmt(summary[server].p99)} | | |`,
    );
  }
  if (summary.app && summary.bare) {
    const ratio = summary.app.rps / summary.bare.rps;
    lines.push(
      '',
      `app / bare req/s: **${fmt(ratio * 100)} %** (target ≥ 60 %); app p99 ${fmt(summary.app.p99)} ms (target < 25 ms): ` +
        (ratio >= 0.6 && summary.app.p99 < 25 ? 'target met' : 'target missed'),
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
