import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ActionRecovery } from '../../src/actions/engine/action-recovery.service';
import { registerUser } from '../factories/users';
import { bootApp } from './support/app';
import { ActionRecorder, ask, connectSocket, sleep } from './support/realtime';

/**
 * Both tests need the database to outlive an app: PostgreSQL when the run
 * has one, otherwise a PGlite directory of this file's own.
 */
const databaseUrl =
  process.env.DATABASE_URL || `pglite://${join(tmpdir(), `threadline-lifecycle-${randomUUID()}`)}`;

describe('Actions across restarts (SPEC §7.2: start-up recovery, SIGTERM drain)', () => {
  it('marks failed, at start-up, an action a crashed process left running, with a problem chunk at the next order', async () => {
    const first = await bootApp({ DATABASE_URL: databaseUrl });
    const user = await registerUser(first.http);
    const actionId = randomUUID();
    const dataSource = first.app.get(DataSource);
    // What a process killed mid-stream leaves behind: running, two chunks, a heartbeat long gone.
    await dataSource.query(
      `INSERT INTO actions (id, user_id, handler_name, request, status, heartbeat_at)
       VALUES ($1, $2, 'echo', '{"text":"ab","chunks":3}', 'running', now() - interval '10 minutes')`,
      [actionId, user.id],
    );
    await dataSource.query(
      `INSERT INTO action_response_chunks (action_id, "order", mime, text) VALUES ($1, 0, 'text/plain', 'a'), ($1, 1, 'text/plain', 'b')`,
      [actionId],
    );
    await first.close();

    const second = await bootApp({ DATABASE_URL: databaseUrl });
    try {
      const action = await second.http().get(`/api/actions/${actionId}`).set(user.auth).expect(200);
      expect(action.body).toMatchObject({
        status: 'failed',
        isCompleted: true,
        completedAt: expect.any(String),
      });
      const chunks = await second.http().get(`/api/actions/${actionId}/chunks`).set(user.auth).expect(200);
      expect(chunks.body.items.map((c: { order: number }) => c.order)).toEqual([0, 1, 2]);
      expect(chunks.body.items[2]).toMatchObject({ mime: 'application/problem+json' });
      expect(JSON.parse(chunks.body.items[2].text as string)).toMatchObject({ status: 500 });

      // An action with a live heartbeat (another instance is streaming it) is left alone.
      const liveId = randomUUID();
      const ds = second.app.get(DataSource);
      await ds.query(
        `INSERT INTO actions (id, user_id, handler_name, request, status, heartbeat_at) VALUES ($1, $2, 'echo', '{}', 'running', now())`,
        [liveId, user.id],
      );
      await second.app.get(ActionRecovery).failStaleActions();
      expect((await second.http().get(`/api/actions/${liveId}`).set(user.auth).expect(200)).body.status).toBe(
        'running',
      );
      await ds.query(`DELETE FROM actions WHERE id = $1`, [liveId]);
    } finally {
      await second.close();
    }
  }, 60_000);

  it('without Redis (a single instance) fails at start-up every action left running, even one with a fresh heartbeat', async () => {
    const first = await bootApp({ DATABASE_URL: databaseUrl, REDIS_URL: '' });
    const user = await registerUser(first.http);
    const actionId = randomUUID();
    // Killed a moment ago: its heartbeat is still fresh.
    await first.app.get(DataSource).query(
      `INSERT INTO actions (id, user_id, handler_name, request, status, heartbeat_at)
       VALUES ($1, $2, 'echo', '{"text":"ab"}', 'running', now())`,
      [actionId, user.id],
    );
    await first.close();

    const second = await bootApp({ DATABASE_URL: databaseUrl, REDIS_URL: '' });
    try {
      const action = await second.http().get(`/api/actions/${actionId}`).set(user.auth).expect(200);
      expect(action.body).toMatchObject({ status: 'failed', isCompleted: true });
      const chunks = await second.http().get(`/api/actions/${actionId}/chunks`).set(user.auth).expect(200);
      expect(chunks.body.items).toEqual([
        expect.objectContaining({ order: 0, mime: 'application/problem+json' }),
      ]);
    } finally {
      await second.close();
    }
  }, 60_000);

  it('on shutdown refuses new actions (503), lets a short one finish, and cancels a long one after the grace period', async () => {
    const graceMs = 1500;
    const app = await bootApp({ DATABASE_URL: databaseUrl, SHUTDOWN_GRACE_MS: String(graceMs) });
    const user = await registerUser(app.http);
    const threadId = (
      await app.http().post('/api/threads').set(user.auth).send({ title: 'drain' }).expect(201)
    ).body.id as string;
    const socket = await connectSocket(app.url, user.accessToken);
    const rec = new ActionRecorder(socket);
    await ask(socket, 'thread:subscribe', { threadId });
    const start = async (chunks: number): Promise<string> =>
      (
        await app
          .http()
          .post(`/api/threads/${threadId}/actions`)
          .set(user.auth)
          .send({ handler: 'echo', request: { text: 'z'.repeat(chunks), chunks, delayMs: 100 } })
          .expect(202)
      ).body.action.id as string;
    const short = await start(6);
    const long = await start(200);
    while (rec.chunksOf(short).length < 1 || rec.chunksOf(long).length < 1) await sleep(10);

    const began = Date.now();
    const closing = app.close();
    await sleep(100);
    const refused = await app
      .http()
      .post(`/api/threads/${threadId}/actions`)
      .set(user.auth)
      .send({ handler: 'echo', request: { text: 'late' } });
    expect(refused.status).toBe(503);
    await closing;
    const took = Date.now() - began;
    // The server wrote `action:completed` before it closed; the client may read it a tick later.
    await rec.waitCompleted(long, 5000);
    socket.close();

    expect(took).toBeGreaterThanOrEqual(graceMs - 50);
    expect(took).toBeLessThan(graceMs + 5000);
    expect(rec.completed.get(short)?.status).toBe('completed');
    expect(rec.chunksOf(short)).toHaveLength(6);
    expect(rec.completed.get(long)?.status).toBe('cancelled');
    const longStreamed = rec.chunksOf(long);
    expect(longStreamed.length).toBeLessThan(200);

    const after = await bootApp({ DATABASE_URL: databaseUrl });
    try {
      const get = (id: string) => after.http().get(`/api/actions/${id}`).set(user.auth).expect(200);
      expect((await get(short)).body).toMatchObject({ status: 'completed', isCompleted: true });
      expect((await get(long)).body).toMatchObject({ status: 'cancelled', isCompleted: true });
      const stored = await after.http().get(`/api/actions/${long}/chunks`).set(user.auth).expect(200);
      expect(stored.body.items).toEqual(longStreamed);
    } finally {
      await after.close();
    }
  }, 60_000);
});
