import { registerUser, RegisteredUser } from '../factories/users';
import { bootApp, TestApp } from './support/app';
import { ActionRecorder, ask, ClientSocket, connectSocket } from './support/realtime';

interface LinkBody {
  action: { id: string; title: string | null };
  displayOrder: number;
  showQuestion: boolean;
  showAnswer: boolean;
}

describe('Threads REST (SPEC §7.1)', () => {
  let t: TestApp;
  let alice: RegisteredUser;
  let mallory: RegisteredUser;
  let socket: ClientSocket;
  let rec: ActionRecorder;

  const newThread = async (title = 'Thread', description?: string): Promise<string> =>
    (await t.http().post('/api/threads').set(alice.auth).send({ title, description }).expect(201)).body.id;
  const runEcho = async (threadId: string, title: string): Promise<string> => {
    const res = await t
      .http()
      .post(`/api/threads/${threadId}/actions`)
      .set(alice.auth)
      .send({ handler: 'echo', request: { text: title }, title })
      .expect(202);
    return res.body.action.id as string;
  };
  const order = async (threadId: string): Promise<string[]> => {
    const res = await t.http().get(`/api/threads/${threadId}`).set(alice.auth).expect(200);
    const links = res.body.actions as LinkBody[];
    expect(links.map((l) => l.displayOrder)).toEqual(links.map((_, i) => i));
    return links.map((l) => l.action.title ?? '');
  };

  beforeAll(async () => {
    t = await bootApp();
    alice = await registerUser(t.http);
    mallory = await registerUser(t.http);
    socket = await connectSocket(t.url, alice.accessToken);
    rec = new ActionRecorder(socket);
  });

  afterAll(async () => {
    socket.close();
    await t.close();
  });

  it('creates, reads, updates and deletes a thread', async () => {
    const created = await t
      .http()
      .post('/api/threads')
      .set(alice.auth)
      .send({ title: '  Research ', description: 'notes' })
      .expect(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      userId: alice.id,
      title: 'Research',
      description: 'notes',
      createdAt: expect.stringMatching(/Z$/),
    });
    const id = created.body.id as string;
    expect((await t.http().get(`/api/threads/${id}`).set(alice.auth).expect(200)).body).toEqual({
      ...created.body,
      actions: [],
    });
    const patched = await t
      .http()
      .patch(`/api/threads/${id}`)
      .set(alice.auth)
      .send({ description: 'more' })
      .expect(200);
    expect(patched.body).toMatchObject({ title: 'Research', description: 'more' });
    await t.http().patch(`/api/threads/${id}`).set(alice.auth).send({ title: 'Renamed' }).expect(200);
    expect((await t.http().get(`/api/threads/${id}`).set(alice.auth)).body.title).toBe('Renamed');
    await t.http().delete(`/api/threads/${id}`).set(alice.auth).expect(204);
    await t.http().get(`/api/threads/${id}`).set(alice.auth).expect(404);
    await t.http().delete(`/api/threads/${id}`).set(alice.auth).expect(404);
  });

  it('validates thread bodies', async () => {
    const bad = await t.http().post('/api/threads').set(alice.auth).send({}).expect(400);
    expect(bad.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'title' })]));
    await t.http().post('/api/threads').set(alice.auth).send({ title: '   ' }).expect(400);
    await t
      .http()
      .post('/api/threads')
      .set(alice.auth)
      .send({ title: 'x'.repeat(201) })
      .expect(400);
    await t.http().post('/api/threads').set(alice.auth).send({ title: 'x', userId: mallory.id }).expect(400);
    await t.http().post('/api/threads').send({ title: 'x' }).expect(401);
    await t.http().get('/api/threads/not-a-uuid').set(alice.auth).expect(400);
  });

  it('lists the user’s threads newest first, paginated', async () => {
    const bob = await registerUser(t.http);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        (
          await t
            .http()
            .post('/api/threads')
            .set(bob.auth)
            .send({ title: `t${i}` })
            .expect(201)
        ).body.id,
      );
    }
    const all = await t.http().get('/api/threads').set(bob.auth).expect(200);
    const listed = (all.body.items as { id: string; createdAt: string }[]).map((x) => x.id);
    // Newest first (ties in the same millisecond broken by id): the reverse of creation up to ties.
    expect([...listed].sort()).toEqual([...ids].sort());
    const times = (all.body.items as { createdAt: string }[]).map((x) => Date.parse(x.createdAt));
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(all.body.nextCursor).toBeNull();

    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await t
        .http()
        .get(`/api/threads?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .set(bob.auth)
        .expect(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      pages.push(...(page.body.items as { id: string }[]).map((x) => x.id));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(pages).toEqual(listed);
    await t.http().get('/api/threads?limit=101').set(bob.auth).expect(400);
    await t.http().get('/api/threads?cursor=garbage').set(bob.auth).expect(400);
  });

  it("hides someone else's thread behind 404", async () => {
    const id = await newThread('private');
    await t.http().get(`/api/threads/${id}`).set(mallory.auth).expect(404);
    await t.http().patch(`/api/threads/${id}`).set(mallory.auth).send({ title: 'x' }).expect(404);
    await t.http().delete(`/api/threads/${id}`).set(mallory.auth).expect(404);
    const list = await t.http().get('/api/threads').set(mallory.auth).expect(200);
    expect(list.body.items.map((x: { id: string }) => x.id)).not.toContain(id);
  });

  it('appends actions last, links existing ones into other threads, and deletes a thread without its actions', async () => {
    const first = await newThread('first');
    const second = await newThread('second');
    await ask(socket, 'thread:subscribe', { threadId: second });
    const a = await runEcho(first, 'A');
    const b = await runEcho(first, 'B');
    expect(await order(first)).toEqual(['A', 'B']);

    const linked = await t.http().put(`/api/threads/${second}/actions/${a}`).set(alice.auth).expect(201);
    expect(linked.body).toEqual({
      action: expect.objectContaining({ id: a, title: 'A' }),
      displayOrder: 0,
      showQuestion: true,
      showAnswer: true,
    });
    await t.http().put(`/api/threads/${second}/actions/${a}`).set(alice.auth).expect(409);
    await t.http().put(`/api/threads/${second}/actions/${b}`).set(alice.auth).expect(201);
    expect(await order(second)).toEqual(['A', 'B']);
    // The second thread's room heard about both links.
    expect(rec.created.filter((c) => c.threadId === second).map((c) => c.action.id)).toEqual([a, b]);

    const holding = await t.http().get(`/api/actions/${a}/threads`).set(alice.auth).expect(200);
    expect(holding.body).toEqual([first, second]);

    // Someone else's action cannot be linked; someone else cannot link into this thread.
    const malloryThread = (
      await t.http().post('/api/threads').set(mallory.auth).send({ title: 'm' }).expect(201)
    ).body.id;
    await t.http().put(`/api/threads/${malloryThread}/actions/${a}`).set(mallory.auth).expect(404);
    await t.http().put(`/api/threads/${first}/actions/${a}`).set(mallory.auth).expect(404);

    await t.http().delete(`/api/threads/${first}`).set(alice.auth).expect(204);
    await t.http().get(`/api/actions/${a}`).set(alice.auth).expect(200);
    expect((await t.http().get(`/api/actions/${a}/threads`).set(alice.auth)).body).toEqual([second]);
    expect(await order(second)).toEqual(['A', 'B']);
  });

  it('removes an action from a thread only, keeping the orders dense', async () => {
    const threadId = await newThread();
    const ids = [];
    for (const title of ['A', 'B', 'C', 'D']) ids.push(await runEcho(threadId, title));
    await t.http().delete(`/api/threads/${threadId}/actions/${ids[1]}`).set(alice.auth).expect(204);
    expect(await order(threadId)).toEqual(['A', 'C', 'D']);
    await t.http().get(`/api/actions/${ids[1]}`).set(alice.auth).expect(200);
    await t.http().delete(`/api/threads/${threadId}/actions/${ids[1]}`).set(alice.auth).expect(404);
    await t.http().delete(`/api/threads/${threadId}/actions/${ids[0]}`).set(mallory.auth).expect(404);
    // Appending after a removal takes the next dense order.
    await runEcho(threadId, 'E');
    expect(await order(threadId)).toEqual(['A', 'C', 'D', 'E']);
  });

  it('moves actions with PATCH, keeping orders dense and unique, and toggles visibility', async () => {
    const threadId = await newThread();
    const ids: Record<string, string> = {};
    for (const title of ['A', 'B', 'C', 'D', 'E']) ids[title] = await runEcho(threadId, title);
    const patch = (id: string, body: object) =>
      t.http().patch(`/api/threads/${threadId}/actions/${id}`).set(alice.auth).send(body);

    const moved = await patch(ids.E, { displayOrder: 0 }).expect(200);
    expect(moved.body).toMatchObject({ action: { id: ids.E }, displayOrder: 0 });
    expect(await order(threadId)).toEqual(['E', 'A', 'B', 'C', 'D']);

    await patch(ids.A, { displayOrder: 3 }).expect(200);
    expect(await order(threadId)).toEqual(['E', 'B', 'C', 'A', 'D']);

    // Past the end means last.
    const last = await patch(ids.E, { displayOrder: 99 }).expect(200);
    expect(last.body.displayOrder).toBe(4);
    expect(await order(threadId)).toEqual(['B', 'C', 'A', 'D', 'E']);

    await patch(ids.C, { displayOrder: 1 }).expect(200);
    expect(await order(threadId)).toEqual(['B', 'C', 'A', 'D', 'E']);

    const hidden = await patch(ids.D, { showQuestion: false, showAnswer: false }).expect(200);
    expect(hidden.body).toMatchObject({ showQuestion: false, showAnswer: false, displayOrder: 3 });
    const detail = await t.http().get(`/api/threads/${threadId}`).set(alice.auth).expect(200);
    expect((detail.body.actions as LinkBody[])[3]).toMatchObject({ showQuestion: false, showAnswer: false });
    expect((detail.body.actions as LinkBody[])[0]).toMatchObject({ showQuestion: true, showAnswer: true });

    await patch(ids.D, { displayOrder: -1 }).expect(400);
    await patch(ids.D, { displayOrder: 1.5 }).expect(400);
    await patch(ids.D, { showAnswer: 'no' }).expect(400);
    await patch(ids.D, { threadId }).expect(400);
    await t
      .http()
      .patch(`/api/threads/${threadId}/actions/${ids.D}`)
      .set(mallory.auth)
      .send({ displayOrder: 0 })
      .expect(404);
    await patch('00000000-0000-4000-8000-000000000000', { displayOrder: 0 }).expect(404);
  });

  it('keeps orders dense when many actions are appended at once', async () => {
    const threadId = await newThread();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t
          .http()
          .post(`/api/threads/${threadId}/actions`)
          .set(alice.auth)
          .send({ handler: 'echo', request: { text: String(i) }, title: String(i) }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(202));
    expect((await order(threadId)).sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
  });
});
