import { Module } from '@nestjs/common';
import { registerUser, RegisteredUser } from '../factories/users';
import {
  ActionChunkInput,
  ActionHandler,
  ActionHandlerContext,
  ActionHandlerProvider,
} from '../../src/actions/handlers/action-handler';
import { ProblemException } from '../../src/common/errors/problem';
import { bootApp, TestApp } from './support/app';
import { ActionRecorder, ask, ClientSocket, connectSocket, sleep } from './support/realtime';

/** Test-only handlers, registered through the real registry by adding a module: one class each. */
@ActionHandlerProvider()
class ExplodingHandler implements ActionHandler<{ after: number; problem?: boolean }> {
  readonly name = 'explode';
  readonly description = 'Streams `after` chunks, then throws';
  readonly requestSchema = {
    type: 'object',
    properties: { after: { type: 'integer', minimum: 0 }, problem: { type: 'boolean' } },
    required: ['after'],
    additionalProperties: false,
  };
  readonly configSchema = { type: 'object' };
  async *run({
    request,
  }: ActionHandlerContext<{ after: number; problem?: boolean }>): AsyncIterable<ActionChunkInput> {
    for (let i = 0; i < request.after; i++) yield { mime: 'text/plain', text: `chunk ${i}` };
    await Promise.resolve();
    if (request.problem)
      throw new ProblemException(502, 'Upstream Failed', { detail: 'the model went away' });
    throw new Error('secret internals: password=hunter2');
  }
}

@ActionHandlerProvider()
class BytesHandler implements ActionHandler<{ size: number }> {
  readonly name = 'bytes';
  readonly description = 'Streams one binary chunk of `size` bytes 0,1,2 …';
  readonly requestSchema = {
    type: 'object',
    properties: { size: { type: 'integer', minimum: 1, maximum: 4096 } },
    required: ['size'],
  };
  readonly configSchema = { type: 'object' };

  async *run({ request }: ActionHandlerContext<{ size: number }>): AsyncIterable<ActionChunkInput> {
    yield {
      mime: 'application/octet-stream',
      data: Buffer.from(Array.from({ length: request.size }, (_, i) => i % 256)),
    };
  }
}

@Module({ providers: [ExplodingHandler, BytesHandler] })
class TestHandlersModule {}

interface ActionBody {
  id: string;
  status: string;
  title: string | null;
}

describe('Actions REST (SPEC §7.1, §7.3)', () => {
  let t: TestApp;
  let alice: RegisteredUser;
  let mallory: RegisteredUser;
  let threadId: string;
  let socket: ClientSocket;
  let rec: ActionRecorder;

  const run = async (handler: string, request: unknown, extra: object = {}): Promise<ActionBody> => {
    const res = await t
      .http()
      .post(`/api/threads/${threadId}/actions`)
      .set(alice.auth)
      .send({ handler, request, ...extra });
    expect(res.status).toBe(202);
    return (res.body as { action: ActionBody }).action;
  };

  beforeAll(async () => {
    t = await bootApp({}, { imports: [TestHandlersModule] });
    alice = await registerUser(t.http);
    mallory = await registerUser(t.http);
    threadId = (await t.http().post('/api/threads').set(alice.auth).send({ title: 'Actions' }).expect(201))
      .body.id;
    socket = await connectSocket(t.url, alice.accessToken);
    rec = new ActionRecorder(socket);
    await ask(socket, 'thread:subscribe', { threadId });
  });

  afterAll(async () => {
    socket.close();
    await t.close();
  });

  it('lists the handlers with their schemas, test handlers included (discovered, not listed)', async () => {
    const res = await t.http().get('/api/action-handlers').set(alice.auth).expect(200);
    const names = (res.body as { name: string }[]).map((h) => h.name);
    expect(names).toEqual(expect.arrayContaining(['echo', 'explode', 'bytes']));
    expect(res.body).toContainEqual({
      name: 'echo',
      description: expect.any(String),
      requestSchema: expect.objectContaining({ required: ['text'] }),
      configSchema: expect.objectContaining({ type: 'object' }),
    });
    await t.http().get('/api/action-handlers').expect(401);
  });

  it('creates an action: 202 { action } with the documented shape', async () => {
    const res = await t
      .http()
      .post(`/api/threads/${threadId}/actions`)
      .set(alice.auth)
      .send({ handler: 'echo', request: { text: 'hi', chunks: 2 }, rawText: 'echo hi', title: 'Say hi' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      action: {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        userId: alice.id,
        handlerName: 'echo',
        title: 'Say hi',
        request: { text: 'hi', chunks: 2 },
        rawText: 'echo hi',
        status: 'running',
        isCompleted: false,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
        completedAt: null,
      },
    });
    const id = res.body.action.id as string;
    await rec.waitCompleted(id);
    const got = await t.http().get(`/api/actions/${id}`).set(alice.auth).expect(200);
    expect(got.body).toMatchObject({ id, status: 'completed', isCompleted: true, title: 'Say hi' });
    expect(Date.parse(got.body.completedAt)).toBeGreaterThanOrEqual(Date.parse(got.body.createdAt));
  });

  it('rejects an unknown handler and a request that fails the schema with 400 and per-field errors', async () => {
    const post = (body: object) =>
      t.http().post(`/api/threads/${threadId}/actions`).set(alice.auth).send(body);
    const unknown = await post({ handler: 'nope', request: {} }).expect(400);
    expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(unknown.body.errors).toEqual([{ field: 'handler', message: expect.any(String) }]);

    const bad = await post({ handler: 'echo', request: { chunks: 20000, delayMs: -1, extra: true } }).expect(
      400,
    );
    const fields = (bad.body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['request.chunks', 'request.delayMs', 'request.extra', 'request.text']);

    await post({ handler: 'echo', request: 'text' }).expect(400);
    await post({ handler: 'echo' }).expect(400);
    await post({ handler: 'echo', request: { text: 'x' }, surprise: 1 }).expect(400);
    await t
      .http()
      .post(`/api/threads/${threadId}/actions`)
      .send({ handler: 'echo', request: { text: 'x' } })
      .expect(401);
    await t
      .http()
      .post(`/api/threads/${threadId}/actions`)
      .set(mallory.auth)
      .send({ handler: 'echo', request: { text: 'x' } })
      .expect(404);
  });

  it('ends an action whose handler throws as failed, with a last application/problem+json chunk', async () => {
    const action = await run('explode', { after: 3 });
    const completed = await rec.waitCompleted(action.id);
    expect(completed.status).toBe('failed');
    const streamed = rec.chunksOf(action.id);
    expect(streamed.map((c) => c.order)).toEqual([0, 1, 2, 3]);
    expect(streamed[3].mime).toBe('application/problem+json');
    const problem = JSON.parse(streamed[3].text!) as Record<string, unknown>;
    expect(problem).toMatchObject({ title: 'Action Failed', status: 500 });
    expect(streamed[3].text).not.toContain('hunter2');

    const stored = await t.http().get(`/api/actions/${action.id}/chunks`).set(alice.auth).expect(200);
    expect(stored.body.items).toEqual(streamed);
    const final = await t.http().get(`/api/actions/${action.id}`).set(alice.auth).expect(200);
    expect(final.body).toMatchObject({
      status: 'failed',
      isCompleted: true,
      completedAt: completed.completedAt,
    });
  });

  it('a handler that throws a problem shows its title and detail in the problem chunk', async () => {
    const action = await run('explode', { after: 0, problem: true });
    await rec.waitCompleted(action.id);
    const [only] = rec.chunksOf(action.id);
    expect(only.order).toBe(0);
    expect(JSON.parse(only.text!)).toMatchObject({
      title: 'Upstream Failed',
      status: 502,
      detail: 'the model went away',
    });
  });

  it('sends bytes as binary over Socket.IO and base64 over REST', async () => {
    const action = await run('bytes', { size: 300 });
    await rec.waitCompleted(action.id);
    const [chunk] = rec.chunksOf(action.id);
    const bytes = Buffer.from(chunk.data!);
    expect(bytes).toHaveLength(300);
    expect(bytes[299]).toBe(299 % 256);
    const stored = await t.http().get(`/api/actions/${action.id}/chunks`).set(alice.auth).expect(200);
    expect(stored.body.items).toEqual([
      { actionId: action.id, order: 0, mime: 'application/octet-stream', data: bytes.toString('base64') },
    ]);
  });

  it('pages chunks by order with after and limit', async () => {
    const action = await run('echo', { text: 'abcdefghij', chunks: 10 });
    await rec.waitCompleted(action.id);
    const url = `/api/actions/${action.id}/chunks`;
    const first = await t.http().get(`${url}?limit=4`).set(alice.auth).expect(200);
    expect(first.body.items.map((c: { text: string }) => c.text)).toEqual(['a', 'b', 'c', 'd']);
    expect(first.body.nextCursor).toBe('3');
    const next = await t
      .http()
      .get(`${url}?after=${first.body.nextCursor}&limit=4`)
      .set(alice.auth)
      .expect(200);
    expect(next.body.items.map((c: { order: number }) => c.order)).toEqual([4, 5, 6, 7]);
    const last = await t.http().get(`${url}?after=7&limit=4`).set(alice.auth).expect(200);
    expect(last.body).toEqual({ items: expect.any(Array), nextCursor: null });
    expect(last.body.items).toHaveLength(2);
    const none = await t.http().get(`${url}?after=9`).set(alice.auth).expect(200);
    expect(none.body).toEqual({ items: [], nextCursor: null });
    await t.http().get(`${url}?after=x`).set(alice.auth).expect(400);
    await t.http().get(`${url}?limit=1001`).set(alice.auth).expect(400);
    await t.http().get(`${url}?after=-2`).set(alice.auth).expect(400);
    await t.http().get('/api/actions/not-a-uuid/chunks').set(alice.auth).expect(400);
  });

  it('renames an action (PATCH { title })', async () => {
    const action = await run('echo', { text: 'x' });
    const res = await t
      .http()
      .patch(`/api/actions/${action.id}`)
      .set(alice.auth)
      .send({ title: '  Renamed ' })
      .expect(200);
    expect(res.body).toMatchObject({ id: action.id, title: 'Renamed' });
    await t.http().patch(`/api/actions/${action.id}`).set(alice.auth).send({ title: '' }).expect(400);
    await t
      .http()
      .patch(`/api/actions/${action.id}`)
      .set(alice.auth)
      .send({ title: 'x', status: 'completed' })
      .expect(400);
    await t.http().patch(`/api/actions/${action.id}`).set(mallory.auth).send({ title: 'mine' }).expect(404);
  });

  it('cancels over REST: the action ends cancelled and stops streaming; cancelling again changes nothing', async () => {
    const action = await run('echo', { text: 'x'.repeat(50), chunks: 50, delayMs: 100 });
    while (rec.chunksOf(action.id).length < 2) await sleep(10);
    const res = await t.http().post(`/api/actions/${action.id}/cancel`).set(alice.auth).expect(200);
    expect(res.body).toMatchObject({ id: action.id, status: 'cancelled', isCompleted: true });
    expect((await rec.waitCompleted(action.id)).status).toBe('cancelled');
    const stored = await t.http().get(`/api/actions/${action.id}/chunks`).set(alice.auth).expect(200);
    expect(stored.body.items.length).toBeLessThan(50);
    expect(stored.body.items).toEqual(rec.chunksOf(action.id));
    const again = await t.http().post(`/api/actions/${action.id}/cancel`).set(alice.auth).expect(200);
    expect(again.body).toMatchObject({ status: 'cancelled', completedAt: res.body.completedAt });
  });

  it('keeps a per-user handler configuration validated against configSchema', async () => {
    const url = '/api/action-handlers/echo/config';
    const empty = await t.http().get(url).set(alice.auth).expect(200);
    expect(empty.body).toEqual({ handlerName: 'echo', configuration: {}, createdAt: null, updatedAt: null });

    const bad = await t.http().put(url).set(alice.auth).send({ defaultDelayMs: 5000, other: 1 }).expect(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
      'configuration.defaultDelayMs',
      'configuration.other',
    ]);
    await t.http().put(url).set(alice.auth).send([1, 2]).expect(400);

    const saved = await t.http().put(url).set(alice.auth).send({ defaultDelayMs: 40 }).expect(200);
    expect(saved.body).toMatchObject({ handlerName: 'echo', configuration: { defaultDelayMs: 40 } });
    const replaced = await t.http().put(url).set(alice.auth).send({ defaultDelayMs: 60 }).expect(200);
    expect(replaced.body.createdAt).toBe(saved.body.createdAt);
    expect((await t.http().get(url).set(alice.auth).expect(200)).body.configuration).toEqual({
      defaultDelayMs: 60,
    });
    // Another user's configuration is their own.
    expect((await t.http().get(url).set(mallory.auth).expect(200)).body.configuration).toEqual({});

    // The handler gets it: 5 chunks, 60 ms apart by default, take at least 240 ms.
    const started = Date.now();
    const action = await run('echo', { text: 'abcde', chunks: 5 });
    await rec.waitCompleted(action.id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    await t.http().put(url).set(alice.auth).send({}).expect(200);

    await t.http().get('/api/action-handlers/nope/config').set(alice.auth).expect(404);
    await t.http().put('/api/action-handlers/nope/config').set(alice.auth).send({}).expect(404);
  });

  it('answers 404 for an action that does not exist', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    await t.http().get(`/api/actions/${missing}`).set(alice.auth).expect(404);
    await t.http().post(`/api/actions/${missing}/cancel`).set(alice.auth).expect(404);
  });
});
