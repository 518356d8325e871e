import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI entry (TypeScript, transpiled on the fly) with a clean environment of our choosing. */
function cli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: 'tsconfig.json', LOG_LEVEL: 'warn', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('command line', () => {
  const dataDir = join(tmpdir(), `threadline-cli-${randomUUID()}`);
  const dbEnv: Record<string, string> = process.env.DATABASE_URL
    ? { DATABASE_URL: process.env.DATABASE_URL, DATA_DIR: dataDir }
    : { DATA_DIR: dataDir };

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stops start-up with one clear line naming a bad variable', async () => {
    const run = await cli(['serve'], { ...dbEnv, PORT: 'abc' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe('Invalid configuration: PORT must be a whole number (got "abc")');
  }, 60_000);

  it('refuses to start in production without explicit secrets', async () => {
    const run = await cli(['serve'], { ...dbEnv, NODE_ENV: 'production' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('JWT_SECRET is required when NODE_ENV=production');
  }, 60_000);

  it('migrates, creates an admin user, and refuses the same email twice', async () => {
    const migrate = await cli(['migrate'], dbEnv);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toMatch(/Applied \d+ migration\(s\)/);

    const email = `cli-${randomUUID().slice(0, 8)}@example.test`;
    const created = await cli(
      ['user:create', '--email', email, '--password', 'long enough password', '--admin'],
      dbEnv,
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(new RegExp(`Created admin ${email} \\([0-9a-f-]{36}\\)`));

    const again = await cli(['user:create', '--email', email, '--password', 'long enough password'], dbEnv);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already registered');
  }, 120_000);

  it('writes the OpenAPI document', async () => {
    const out = join(dataDir, 'openapi.json');
    const run = await cli(['openapi', '--out', out], dbEnv);
    expect(run.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/auth/register', '/api/workspaces']));
  }, 60_000);

  it('answers unknown commands with the usage and exit code 2', async () => {
    const run = await cli(['frobnicate'], dbEnv);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Unknown command: frobnicate');
    expect(run.stderr).toContain('user:create');
  }, 60_000);
});
