/**
 * A database that goes away under a running app is an outage, not a bug:
 * requests answer 503 with Retry-After (problem+json, or OpenAI's shape under
 * /v1) instead of 500, and nothing of the driver's message leaks. PostgreSQL
 * only: the database is created for this file and dropped while the app runs
 * (an embedded database cannot be taken away from under its process).
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { registerUser, RegisteredUser } from '../factories/users';
import { bootApp, TestApp } from './support/app';
import { expectProblem } from './support/problem';
import { ask, ClientSocket, connectSocket } from './support/realtime';

const adminUrl = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;
const name = `tl_outage_${randomBytes(6).toString('hex')}`;

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const describeOnPostgres = adminUrl ? describe : describe.skip;

describeOnPostgres('when the database goes away', () => {
  let t: TestApp;
  let user: RegisteredUser;
  let socket: ClientSocket;

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl!);
    url.pathname = `/${name}`;
    // No credential cache: every request below reaches the database.
    t = await bootApp({ DATABASE_URL: url.toString(), CACHE_TTL_SECONDS: '0' });
    user = await registerUser(t.http);
    expect((await t.http().get('/api/workspaces').set(user.auth)).status).toBe(200);
    socket = await connectSocket(t.url, user.accessToken);
    await admin(`DROP DATABASE ${name} WITH (FORCE)`);
  });

  afterAll(async () => {
    socket?.disconnect();
    await t?.close();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  it('answers REST requests 503 with Retry-After, not 500', async () => {
    for (const path of ['/api/workspaces', '/api/auth/me']) {
      const res = await t.http().get(path).set(user.auth);
      const body = expectProblem(res, 503);
      expect(res.headers['retry-after']).toBe('5');
      expect(body.title).toBe('Service Unavailable');
      expect(res.text).not.toMatch(new RegExp(`${name}|does not exist|terminat|5432`));
    }
  });

  it('answers the /v1 gateway 503 in OpenAI’s error shape', async () => {
    const res = await t.http().get('/v1/models').set(user.auth);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).toEqual({
      error: expect.objectContaining({ message: expect.any(String), type: expect.any(String) }),
    });
    expect(res.text).not.toMatch(new RegExp(`${name}|does not exist|terminat|5432`));
  });

  it('acknowledges socket events with 503 on a connection opened before', async () => {
    const ack = await ask(socket, 'thread:subscribe', { threadId: '00000000-0000-4000-8000-000000000000' });
    expect(ack).toEqual({ ok: false, error: { status: 503, title: 'Service Unavailable' } });
  });

  it('reports itself not ready', async () => {
    expect((await t.http().get('/ready')).status).toBe(503);
  });
});
