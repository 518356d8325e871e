/**
 * Every migration goes up, all the way down and up again on a fresh
 * database: PostgreSQL (a database of its own, created and dropped here)
 * when DATABASE_URL is set, an in-memory PGlite otherwise.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../../src/config/config';
import { createDataSource } from '../../src/database/data-source';
import { migrations } from '../../src/database/migrations';

const APP_TABLES = ['personal_access_tokens', 'users', 'web_sessions', 'workspaces'];

const adminUrl = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;
const freshName = `tl_migr_${randomBytes(6).toString('hex')}`;

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function freshDatabase(): DatabaseConfig {
  if (!adminUrl) return { kind: 'pglite', dataDir: null };
  const url = new URL(adminUrl);
  url.pathname = `/${freshName}`;
  return { kind: 'postgres', url: url.toString() };
}

const tablesOf = async (ds: DataSource): Promise<string[]> =>
  (
    await ds.query<{ table_name: string }[]>(
      `SELECT table_name FROM information_schema.tables
       WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    )
  ).map((r) => r.table_name);

const appliedCount = async (ds: DataSource): Promise<number> =>
  Number((await ds.query<{ n: string }[]>('SELECT count(*) AS n FROM migrations'))[0].n);

let ds: DataSource;

beforeAll(async () => {
  if (adminUrl) await admin((c) => c.query(`CREATE DATABASE ${freshName}`));
  ds = await createDataSource(freshDatabase()).initialize();
});

afterAll(async () => {
  if (ds?.isInitialized) await ds.destroy();
  if (adminUrl) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${freshName}`));
});

it('starts from an empty database', async () => {
  expect(await tablesOf(ds)).toEqual([]);
});

it('runs every migration up', async () => {
  const applied = await ds.runMigrations({ transaction: 'each' });
  expect(applied.map((m) => m.name)).toEqual(migrations.map((M) => new M().name ?? M.name));
  const tables = await tablesOf(ds);
  expect(tables).toEqual(expect.arrayContaining([...APP_TABLES, 'migrations']));
  expect(await appliedCount(ds)).toBe(migrations.length);
  expect(await ds.showMigrations()).toBe(false);
});

it('reverts them all the way down, leaving no app table', async () => {
  let guard = migrations.length + 1;
  while ((await appliedCount(ds)) > 0 && guard-- > 0) await ds.undoLastMigration({ transaction: 'each' });
  expect(await appliedCount(ds)).toBe(0);
  expect(await tablesOf(ds)).toEqual(['migrations']);
});

it('runs them up again and the schema works', async () => {
  const applied = await ds.runMigrations({ transaction: 'each' });
  expect(applied).toHaveLength(migrations.length);
  expect(await tablesOf(ds)).toEqual(expect.arrayContaining(APP_TABLES));
  // The schema is usable: defaults, the case-insensitive unique email, cascades.
  const [user] = await ds.query<{ id: string }[]>(
    `INSERT INTO users (email, display_name, password_hash) VALUES ('a@example.test', 'A', 'x') RETURNING id`,
  );
  await expect(
    ds.query(`INSERT INTO users (email, display_name, password_hash) VALUES ('A@EXAMPLE.TEST', 'B', 'y')`),
  ).rejects.toMatchObject({ driverError: expect.objectContaining({ code: '23505' }) });
  await ds.query(`INSERT INTO workspaces (name, owner_id) VALUES ('W', $1)`, [user.id]);
  await ds.query(`DELETE FROM users WHERE id = $1`, [user.id]);
  expect(Number((await ds.query<{ n: string }[]>('SELECT count(*) AS n FROM workspaces'))[0].n)).toBe(0);
});
