/**
 * Details of the contract a black-box client relies on: malformed ids, partial
 * PATCH, list cursors on chunks, config round trips, unknown socket events,
 * readiness during shutdown, and refresh rate limits that cannot be shared.
 */
import { registerUser, RegisteredUser } from '../factories/users';
import { createWorkspace } from '../factories/workspaces';
import { bootApp, TestApp } from './support/app';
import { expectProblem } from './support/problem';
import { ask, connectSocket, eventually } from './support/realtime';

interface Chunk {
  order: number;
  text?: string;
}

describe('contract details', () => {
  let t: TestApp;
  let user: RegisteredUser;

  beforeAll(async () => {
    t = await bootApp({ AUTH_RATE_LIMIT_PER_EMAIL: '3' });
    user = await registerUser(t.http);
  });
  afterAll(async () => {
    await t.close();
  });

  async function newThread(): Promise<string> {
    const res = await t.http().post('/api/threads').set(user.auth).send({ title: 'contract' });
    expect(res.status).toBe(201);
    return (res.body as { id: string }).id;
  }

  it('answers a malformed id in the path with 400 naming the parameter', async () => {
    const res = await t.http().get('/api/workspaces/not-a-uuid').set(user.auth);
    expectProblem(res, 400);
    expect((res.body as { errors: unknown[] }).errors).toEqual([
      { field: 'id', message: 'id must be a UUID' },
    ]);
  });

  it('treats an empty PATCH of a workspace as a no-op', async () => {
    const ws = await createWorkspace(t.http, user.auth, 'Keep me');
    const res = await t.http().patch(`/api/workspaces/${ws.id}`).set(user.auth).send({});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: ws.id, name: 'Keep me' });
  });

  it('pages action chunks with ?cursor= like every other list', async () => {
    const threadId = await newThread();
    const run = await t
      .http()
      .post(`/api/threads/${threadId}/actions`)
      .set(user.auth)
      .send({ handler: 'echo', request: { text: 'abcde', chunks: 5 } });
    expect(run.status).toBe(202);
    const actionId = (run.body as { action: { id: string } }).action.id;
    await eventually(async () => {
      const a = await t.http().get(`/api/actions/${actionId}`).set(user.auth);
      return (a.body as { status: string }).status === 'completed' ? true : undefined;
    });
    const seen: Chunk[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/actions/${actionId}/chunks?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await t.http().get(url).set(user.auth);
      expect(page.status).toBe(200);
      const body = page.body as { items: Chunk[]; nextCursor: string | null };
      seen.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen.map((c) => c.order)).toEqual([0, 1, 2, 3, 4]);
    expect(seen.map((c) => c.text).join('')).toBe('abcde');
    expectProblem(await t.http().get(`/api/actions/${actionId}/chunks?cursor=abc`).set(user.auth), 400);
  });

  it('takes back the handler configuration in the shape GET gave it', async () => {
    const put = await t.http().put('/api/action-handlers/echo/config').set(user.auth).send({});
    expect(put.status).toBe(200);
    const got = await t.http().get('/api/action-handlers/echo/config').set(user.auth);
    expect(got.status).toBe(200);
    const roundTrip = await t.http().put('/api/action-handlers/echo/config').set(user.auth).send(got.body);
    expect(roundTrip.status).toBe(200);
    expect(roundTrip.body).toMatchObject({
      handlerName: 'echo',
      configuration: (got.body as { configuration: object }).configuration,
    });
  });

  it('acknowledges an unknown socket event with a 404 instead of leaving the client waiting', async () => {
    const socket = await connectSocket(t.url, user.accessToken);
    try {
      const ack = await ask(socket, 'thread:frobnicate' as 'thread:subscribe', {});
      expect(ack).toEqual({ ok: false, error: expect.objectContaining({ status: 404, title: 'Not Found' }) });
    } finally {
      socket.close();
    }
  });

  it('does not let malformed refresh tokens share one bucket that locks everyone out', async () => {
    // The per-account limit is 3 here; malformed tokens name no session, so only the address limit applies.
    for (let i = 0; i < 6; i++) {
      const res = await t
        .http()
        .post('/api/auth/refresh')
        .send({ refreshToken: `garbage-${i}` });
      expect(res.status).toBe(401);
    }
  });
});

describe('readiness during shutdown', () => {
  it('answers /ready with 503 while running actions drain', async () => {
    const t = await bootApp({ SHUTDOWN_GRACE_MS: '5000' });
    const user = await registerUser(t.http);
    const thread = await t.http().post('/api/threads').set(user.auth).send({ title: 'drain' });
    const threadId = (thread.body as { id: string }).id;
    expect((await t.http().get('/ready')).status).toBe(200);
    const run = await t
      .http()
      .post(`/api/threads/${threadId}/actions`)
      .set(user.auth)
      .send({ handler: 'echo', request: { text: 'slow drain', chunks: 10, delayMs: 150 } });
    expect(run.status).toBe(202);
    const closing = t.close();
    const during = await eventually(async () => {
      const res = await fetch(`${t.url}/ready`).catch(() => null);
      return res && res.status === 503 ? res : undefined;
    }, 3000);
    expect(during.headers.get('content-type')).toContain('application/problem+json');
    await closing;
  });
});
