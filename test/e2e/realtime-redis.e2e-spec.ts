import { randomUUID } from 'node:crypto';
import { registerUser } from '../factories/users';
import { bootApp, TestApp } from './support/app';
import { ActionRecorder, ask, ClientSocket, connectSocket, sleep } from './support/realtime';

/** Two instances need a shared database and Redis; without them this block does not run. */
const describeWithRedis = process.env.REDIS_URL && process.env.DATABASE_URL ? describe : describe.skip;

describeWithRedis('Two instances on one PostgreSQL and Redis (SPEC §13)', () => {
  let a: TestApp;
  let b: TestApp;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    // One deployment: both instances share the Redis key prefix.
    const shared = { REDIS_KEY_PREFIX: `threadline-test:${randomUUID()}:` };
    a = await bootApp(shared);
    b = await bootApp(shared);
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await a.close();
    await b.close();
  });

  it('a subscriber on instance A receives every chunk of an action started on instance B', async () => {
    const user = await registerUser(a.http);
    const threadId = (await a.http().post('/api/threads').set(user.auth).send({ title: 'x' }).expect(201))
      .body.id;
    const socket = await connectSocket(a.url, user.accessToken);
    sockets.push(socket);
    const rec = new ActionRecorder(socket);
    await ask(socket, 'thread:subscribe', { threadId });

    const text = Array.from({ length: 1500 }, (_, i) => String.fromCharCode(65 + (i % 26))).join('');
    const res = await b
      .http()
      .post(`/api/threads/${threadId}/actions`)
      .set(user.auth)
      .send({ handler: 'echo', request: { text, chunks: 500 } })
      .expect(202);
    const id = res.body.action.id as string;
    expect((await rec.waitCompleted(id)).status).toBe('completed');
    const chunks = rec.chunksOf(id);
    expect(chunks.map((c) => c.order)).toEqual(chunks.map((_, i) => i));
    expect(chunks.map((c) => c.text).join('')).toBe(text);
    expect(rec.created).toContainEqual({ threadId, action: expect.objectContaining({ id }) });
    const stored = await a.http().get(`/api/actions/${id}/chunks`).set(user.auth).expect(200);
    expect(stored.body.items).toEqual(chunks);
  });

  it('subscribers on both instances each receive every chunk exactly once, then action:completed', async () => {
    const user = await registerUser(a.http);
    const threadId = (await a.http().post('/api/threads').set(user.auth).send({ title: 'x' }).expect(201))
      .body.id;
    const onA = await connectSocket(a.url, user.accessToken);
    const onB = await connectSocket(b.url, user.accessToken);
    sockets.push(onA, onB);
    // Everything each socket receives for the action, in arrival order, completion included.
    const seen = (socket: ClientSocket): string[] => {
      const events: string[] = [];
      socket.on('action:chunk', (c) => events.push(`chunk:${c.order}`));
      socket.on('action:completed', (c) => events.push(`completed:${c.status}`));
      return events;
    };
    const seenOnA = seen(onA);
    const seenOnB = seen(onB);
    const recA = new ActionRecorder(onA);
    const recB = new ActionRecorder(onB);
    await ask(onA, 'thread:subscribe', { threadId });
    await ask(onB, 'thread:subscribe', { threadId });

    const text = 'z'.repeat(3000);
    const res = await b
      .http()
      .post(`/api/threads/${threadId}/actions`)
      .set(user.auth)
      .send({ handler: 'echo', request: { text, chunks: 3000 } })
      .expect(202);
    const id = res.body.action.id as string;
    await recA.waitCompleted(id);
    await recB.waitCompleted(id);
    await sleep(200); // a duplicate or a late chunk would arrive meanwhile
    const expected = [...Array.from({ length: 3000 }, (_, i) => `chunk:${i}`), 'completed:completed'];
    expect(seenOnA).toEqual(expected);
    expect(seenOnB).toEqual(expected);
  });

  it('cancelling on instance A stops an action running on instance B', async () => {
    const user = await registerUser(b.http);
    const threadId = (await b.http().post('/api/threads').set(user.auth).send({ title: 'x' }).expect(201))
      .body.id;
    const socket = await connectSocket(a.url, user.accessToken);
    sockets.push(socket);
    const rec = new ActionRecorder(socket);
    await ask(socket, 'thread:subscribe', { threadId });
    const res = await b
      .http()
      .post(`/api/threads/${threadId}/actions`)
      .set(user.auth)
      .send({ handler: 'echo', request: { text: 'y'.repeat(100), chunks: 100, delayMs: 100 } })
      .expect(202);
    const id = res.body.action.id as string;
    const deadline = Date.now() + 10_000;
    while (rec.chunksOf(id).length < 2) {
      if (Date.now() > deadline) throw new Error('no chunk reached instance A');
      await sleep(10);
    }
    const cancelled = await a.http().post(`/api/actions/${id}/cancel`).set(user.auth).expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await rec.waitCompleted(id)).status).toBe('cancelled');
    expect(rec.chunksOf(id).length).toBeLessThan(100);
  });
});
