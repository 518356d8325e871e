import { registerUser, RegisteredUser } from '../factories/users';
import type { ActionChunkPayload } from '../../src/realtime/realtime.events';
import { bootApp, TestApp } from './support/app';
import { ActionRecorder, ask, ClientSocket, connectSocket, sleep } from './support/realtime';

interface ActionBody {
  id: string;
  status: string;
}

const LETTERS = (n: number): string =>
  Array.from({ length: n }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');

/** Orders must be 0, 1, 2 … with neither gap nor duplicate. */
function expectDense(chunks: { order: number }[], from = 0): void {
  expect(chunks.map((c) => c.order)).toEqual(chunks.map((_, i) => from + i));
}

describe('Socket.IO streaming (SPEC §7.2)', () => {
  let t: TestApp;
  let alice: RegisteredUser;
  let mallory: RegisteredUser;
  const sockets: ClientSocket[] = [];

  const connect = async (user: RegisteredUser): Promise<{ socket: ClientSocket; rec: ActionRecorder }> => {
    const socket = await connectSocket(t.url, user.accessToken);
    sockets.push(socket);
    return { socket, rec: new ActionRecorder(socket) };
  };
  const newThread = async (user: RegisteredUser, title = 'Thread'): Promise<string> =>
    ((await t.http().post('/api/threads').set(user.auth).send({ title }).expect(201)).body as { id: string })
      .id;
  const run = async (user: RegisteredUser, threadId: string, request: object): Promise<ActionBody> => {
    const res = await t
      .http()
      .post(`/api/threads/${threadId}/actions`)
      .set(user.auth)
      .send({ handler: 'echo', request, rawText: 'echo …' });
    expect(res.status).toBe(202);
    return (res.body as { action: ActionBody }).action;
  };
  const storedChunks = async (user: RegisteredUser, actionId: string, after?: number) => {
    const res = await t
      .http()
      .get(`/api/actions/${actionId}/chunks${after === undefined ? '' : `?after=${after}`}`)
      .set(user.auth)
      .expect(200);
    return res.body as { items: ActionChunkPayload[]; nextCursor: string | null };
  };

  beforeAll(async () => {
    t = await bootApp();
    alice = await registerUser(t.http);
    mallory = await registerUser(t.http);
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await t.close();
  });

  it('refuses a connection without a token or with a bad one: connect_error "unauthorized"', async () => {
    await expect(connectSocket(t.url, undefined)).rejects.toThrow('unauthorized');
    await expect(connectSocket(t.url, 'not-a-token')).rejects.toThrow('unauthorized');
    await expect(connectSocket(t.url, `${alice.accessToken.slice(0, -4)}AAAA`)).rejects.toThrow(
      'unauthorized',
    );
  });

  it('a token stops working for new connections once its session is logged out', async () => {
    const bob = await registerUser(t.http);
    const socket = await connectSocket(t.url, bob.accessToken);
    socket.close();
    await t.http().post('/api/auth/logout').set(bob.auth).expect(204);
    await expect(connectSocket(t.url, bob.accessToken)).rejects.toThrow('unauthorized');
  });

  it('streams a 1,000-chunk echo to two subscribed clients, in order, without gaps or duplicates, and stores exactly those chunks', async () => {
    const threadId = await newThread(alice);
    const a = await connect(alice);
    const b = await connect(alice);
    expect(await ask(a.socket, 'thread:subscribe', { threadId })).toEqual({ ok: true });
    expect(await ask(b.socket, 'thread:subscribe', { threadId })).toEqual({ ok: true });

    const text = LETTERS(3000);
    const action = await run(alice, threadId, { text, chunks: 1000 });
    expect(action.status).toBe('running');

    for (const { rec } of [a, b]) {
      const completed = await rec.waitCompleted(action.id);
      expect(completed).toEqual({
        actionId: action.id,
        status: 'completed',
        completedAt: expect.any(String),
      });
      const chunks = rec.chunksOf(action.id);
      expect(chunks).toHaveLength(1000);
      expectDense(chunks);
      expect(chunks.map((c) => c.text).join('')).toBe(text);
      expect(chunks.every((c) => c.mime === 'text/plain' && c.actionId === action.id)).toBe(true);
      expect(rec.created).toContainEqual({ threadId, action: expect.objectContaining({ id: action.id }) });
    }

    const stored = await storedChunks(alice, action.id);
    expect(stored.nextCursor).toBeNull();
    expect(stored.items).toEqual(a.rec.chunksOf(action.id));

    const final = await t.http().get(`/api/actions/${action.id}`).set(alice.auth).expect(200);
    expect(final.body).toMatchObject({ status: 'completed', isCompleted: true });
    expect(final.body.completedAt).toBe(a.rec.completed.get(action.id)!.completedAt);
  });

  it('sends an action linked into two threads to both threads’ rooms, once per client', async () => {
    const first = await newThread(alice, 'first');
    const second = await newThread(alice, 'second');
    const onFirst = await connect(alice);
    const onSecond = await connect(alice);
    const onBoth = await connect(alice);
    await ask(onFirst.socket, 'thread:subscribe', { threadId: first });
    await ask(onSecond.socket, 'thread:subscribe', { threadId: second });
    await ask(onBoth.socket, 'thread:subscribe', { threadId: first });
    await ask(onBoth.socket, 'thread:subscribe', { threadId: second });

    const action = await run(alice, first, { text: LETTERS(40), chunks: 40, delayMs: 25 });
    await t.http().put(`/api/threads/${second}/actions/${action.id}`).set(alice.auth).expect(201);

    await onFirst.rec.waitCompleted(action.id);
    await onSecond.rec.waitCompleted(action.id);
    await onBoth.rec.waitCompleted(action.id);

    // The second thread's room got `action:created` for the link, then the rest of the stream.
    expect(onSecond.rec.created).toContainEqual({
      threadId: second,
      action: expect.objectContaining({ id: action.id }),
    });
    const late = onSecond.rec.chunksOf(action.id);
    expect(late.length).toBeGreaterThan(0);
    expectDense(late, late[0].order);
    expect(late[late.length - 1].order).toBe(39);

    for (const rec of [onFirst.rec, onBoth.rec]) {
      const chunks = rec.chunksOf(action.id);
      expect(chunks).toHaveLength(40);
      expectDense(chunks);
    }
    expect((await storedChunks(alice, action.id)).items).toEqual(onFirst.rec.chunksOf(action.id));

    const threads = await t.http().get(`/api/actions/${action.id}/threads`).set(alice.auth).expect(200);
    expect(threads.body).toEqual([first, second]);
  });

  it('a client that disconnects mid-stream catches up with ?after= and misses nothing', async () => {
    const threadId = await newThread(alice);
    const before = await connect(alice);
    await ask(before.socket, 'thread:subscribe', { threadId });
    const text = LETTERS(400);
    const action = await run(alice, threadId, { text, chunks: 200, delayMs: 10 });

    while (before.rec.chunksOf(action.id).length < 20) await sleep(10);
    before.socket.disconnect();
    const seen = [...before.rec.chunksOf(action.id)];
    await sleep(300);

    // Reconnect: subscribe first, then read what was stored after the last chunk seen.
    const after = await connect(alice);
    await ask(after.socket, 'thread:subscribe', { threadId });
    let cursor = seen[seen.length - 1].order;
    const caughtUp: ActionChunkPayload[] = [];
    for (;;) {
      const page = await storedChunks(alice, action.id, cursor);
      caughtUp.push(...page.items);
      if (!page.nextCursor) break;
      cursor = Number(page.nextCursor);
    }
    await after.rec.waitCompleted(action.id);
    const byOrder = new Map<number, ActionChunkPayload>();
    for (const c of [...seen, ...caughtUp, ...after.rec.chunksOf(action.id)]) byOrder.set(c.order, c);
    const merged = [...byOrder.values()].sort((x, y) => x.order - y.order);
    expect(merged).toHaveLength(200);
    expectDense(merged);
    expect(merged.map((c) => c.text).join('')).toBe(text);
    // The action kept running while nobody listened.
    expect(caughtUp.length).toBeGreaterThan(0);
  });

  it('cancels a slow echo (action:cancel): it stops and ends cancelled', async () => {
    const threadId = await newThread(alice);
    const { socket, rec } = await connect(alice);
    await ask(socket, 'thread:subscribe', { threadId });
    const action = await run(alice, threadId, { text: LETTERS(100), chunks: 100, delayMs: 100 });
    while (rec.chunksOf(action.id).length < 3) await sleep(10);

    const ack = await ask(socket, 'action:cancel', { actionId: action.id });
    expect(ack).toMatchObject({
      ok: true,
      action: { id: action.id, status: 'cancelled', isCompleted: true },
    });
    const completed = await rec.waitCompleted(action.id);
    expect(completed.status).toBe('cancelled');
    const streamed = rec.chunksOf(action.id);
    expect(streamed.length).toBeLessThan(100);
    await sleep(300);
    expect(rec.chunksOf(action.id)).toHaveLength(streamed.length);
    expect((await storedChunks(alice, action.id)).items).toEqual(streamed);
  });

  it('runs an action over the socket (action:run) and announces it', async () => {
    const threadId = await newThread(alice);
    const { socket, rec } = await connect(alice);
    await ask(socket, 'thread:subscribe', { threadId });
    const ack = await ask(socket, 'action:run', {
      threadId,
      handler: 'echo',
      request: { text: 'over the socket', chunks: 3 },
      title: 'socket run',
    });
    expect(ack).toMatchObject({
      ok: true,
      action: { handlerName: 'echo', title: 'socket run', status: 'running' },
    });
    const id = (ack as unknown as { action: { id: string } }).action.id;
    await rec.waitCompleted(id);
    expect(
      rec
        .chunksOf(id)
        .map((c) => c.text)
        .join(''),
    ).toBe('over the socket');
    expect(rec.created.map((c) => c.action.id)).toContain(id);
  });

  it('validates every payload and answers errors in the ack, never crashing', async () => {
    const threadId = await newThread(alice);
    const { socket } = await connect(alice);
    const bad = [
      await ask(socket, 'thread:subscribe', {}),
      await ask(socket, 'thread:subscribe', 'nope'),
      await ask(socket, 'thread:subscribe', { threadId: 'not-a-uuid' }),
      await ask(socket, 'thread:subscribe', { threadId, extra: 1 }),
      await ask(socket, 'action:run', { threadId, request: {} }),
      await ask(socket, 'action:cancel', { actionId: 42 }),
    ];
    for (const answer of bad)
      expect(answer).toMatchObject({ ok: false, error: { status: 400, title: expect.any(String) } });

    expect(await ask(socket, 'action:run', { threadId, handler: 'nope', request: {} })).toMatchObject({
      ok: false,
      error: { status: 400 },
    });
    expect(
      await ask(socket, 'action:run', { threadId, handler: 'echo', request: { chunks: 0 } }),
    ).toMatchObject({
      ok: false,
      error: {
        status: 400,
        errors: expect.arrayContaining([{ field: 'request.text', message: expect.any(String) }]),
      },
    });
    // Chats do not exist yet: no chat room can be joined.
    expect(
      await ask(socket, 'chat:subscribe', { chatId: '00000000-0000-4000-8000-000000000000' }),
    ).toMatchObject({
      ok: false,
      error: { status: 404 },
    });
    // Still connected and serving.
    expect(await ask(socket, 'thread:subscribe', { threadId })).toEqual({ ok: true });
    expect(await ask(socket, 'thread:unsubscribe', { threadId })).toEqual({ ok: true });
  });

  it("keeps other users out: someone else's thread is 404 to subscribe, run or read", async () => {
    const threadId = await newThread(alice);
    const action = await run(alice, threadId, { text: 'private', chunks: 2 });
    const { socket, rec } = await connect(mallory);

    expect(await ask(socket, 'thread:subscribe', { threadId })).toEqual({
      ok: false,
      error: expect.objectContaining({ status: 404, title: 'Not Found' }),
    });
    expect(
      await ask(socket, 'action:run', { threadId, handler: 'echo', request: { text: 'x' } }),
    ).toMatchObject({ ok: false, error: { status: 404 } });
    expect(await ask(socket, 'action:cancel', { actionId: action.id })).toMatchObject({
      ok: false,
      error: { status: 404 },
    });
    await t.http().get(`/api/actions/${action.id}`).set(mallory.auth).expect(404);
    await t.http().get(`/api/actions/${action.id}/chunks`).set(mallory.auth).expect(404);
    await t.http().get(`/api/actions/${action.id}/threads`).set(mallory.auth).expect(404);
    await t.http().post(`/api/actions/${action.id}/cancel`).set(mallory.auth).expect(404);
    await t
      .http()
      .put(`/api/threads/${await newThread(mallory)}/actions/${action.id}`)
      .set(mallory.auth)
      .expect(404);
    await sleep(200);
    expect(rec.chunksOf(action.id)).toHaveLength(0);
  });
});
