/**
 * SPEC §5: workspace CRUD, newest-first keyset pagination, and 404 (never
 * 403) for someone else's workspace.
 */
import { registerUser, RegisteredUser } from '../factories/users';
import { createWorkspace, CreatedWorkspace } from '../factories/workspaces';
import { bootApp, TestApp } from './support/app';
import { expectProblem, problemFields } from './support/problem';

const WORKSPACE_KEYS = ['createdAt', 'id', 'name', 'ownerId'];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MISSING = '00000000-0000-4000-8000-000000000000';

type Page = { items: CreatedWorkspace[]; nextCursor: string | null };

let t: TestApp;
let owner: RegisteredUser;
let stranger: RegisteredUser;

beforeAll(async () => {
  t = await bootApp();
  owner = await registerUser(t.http);
  stranger = await registerUser(t.http);
});
afterAll(async () => {
  await t.close();
});

describe('POST /api/workspaces', () => {
  it('answers 201 with the workspace', async () => {
    const res = await t.http().post('/api/workspaces').set(owner.auth).send({ name: '  Research  ' });
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(res.body as object).sort()).toEqual(WORKSPACE_KEYS);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Research',
      ownerId: owner.id,
      createdAt: expect.stringMatching(ISO),
    });
  });

  it('answers 400 with per-field errors for a missing, blank, long or non-string name and unknown fields', async () => {
    for (const [body, field] of [
      [{}, 'name'],
      [{ name: '   ' }, 'name'],
      [{ name: 'n'.repeat(201) }, 'name'],
      [{ name: 42 }, 'name'],
      [{ name: 'ok', ownerId: stranger.id }, 'ownerId'],
    ] as [Record<string, unknown>, string][]) {
      const res = await t.http().post('/api/workspaces').set(owner.auth).send(body);
      expectProblem(res, 400);
      expect(problemFields(res)).toEqual([field]);
    }
    const longest = await t
      .http()
      .post('/api/workspaces')
      .set(owner.auth)
      .send({ name: 'n'.repeat(200) });
    expect(longest.status).toBe(201);
  });

  it('answers 401 without a token', async () => {
    expectProblem(await t.http().post('/api/workspaces').send({ name: 'anon' }), 401);
  });
});

describe('GET /api/workspaces', () => {
  it('lists the own workspaces newest first, with a working cursor over more than a page', async () => {
    const user = await registerUser(t.http);
    const created: CreatedWorkspace[] = [];
    for (let i = 0; i < 24; i++) created.push(await createWorkspace(t.http, user.auth, `ws ${i}`));
    await createWorkspace(t.http, stranger.auth, 'not yours');

    const first = await t.http().get('/api/workspaces').set(user.auth);
    expect(first.status).toBe(200);
    expect(Object.keys(first.body as object).sort()).toEqual(['items', 'nextCursor']);
    const defaultPage = first.body as Page;
    expect(defaultPage.items).toHaveLength(20);
    expect(typeof defaultPage.nextCursor).toBe('string');

    const seen: CreatedWorkspace[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const query: string = cursor ? `?limit=10&cursor=${encodeURIComponent(cursor)}` : '?limit=10';
      const res = await t.http().get(`/api/workspaces${query}`).set(user.auth);
      expect(res.status).toBe(200);
      const page = res.body as Page;
      for (const w of page.items) expect(Object.keys(w).sort()).toEqual(WORKSPACE_KEYS);
      sizes.push(page.items.length);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && sizes.length < 10);
    // 24 created + the Default Workspace.
    expect(sizes).toEqual([10, 10, 5]);
    expect(cursor).toBeNull();
    expect(new Set(seen.map((w) => w.id)).size).toBe(25);
    expect(seen.every((w) => w.ownerId === user.id)).toBe(true);
    expect(seen.slice(0, 24).map((w) => w.id)).toEqual(created.map((w) => w.id).reverse());
    expect(seen[24].name).toBe('Default Workspace');

    const exact = await t.http().get('/api/workspaces?limit=25').set(user.auth);
    expect((exact.body as Page).items).toHaveLength(25);
    expect((exact.body as Page).nextCursor).toBeNull();
  });

  it('answers 400 for limit=0, limit=101, a non-numeric limit and an invalid cursor', async () => {
    for (const query of [
      'limit=0',
      'limit=101',
      'limit=1.5',
      'limit=ten',
      'cursor=%%%',
      'cursor=bm90LWpzb24',
    ]) {
      const res = await t.http().get(`/api/workspaces?${query}`).set(owner.auth);
      expectProblem(res, 400);
    }
    const bad = await t.http().get('/api/workspaces?limit=101').set(owner.auth);
    expect(problemFields(bad)).toEqual(['limit']);
    const badCursor = await t.http().get('/api/workspaces?cursor=abc').set(owner.auth);
    expect(problemFields(badCursor)).toEqual(['cursor']);
  });
});

describe('GET/PATCH/DELETE /api/workspaces/:id', () => {
  it('gets, renames and deletes a workspace', async () => {
    const ws = await createWorkspace(t.http, owner.auth, 'Drafts');
    const got = await t.http().get(`/api/workspaces/${ws.id}`).set(owner.auth);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(ws);

    const renamed = await t.http().patch(`/api/workspaces/${ws.id}`).set(owner.auth).send({ name: 'Final' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({ ...ws, name: 'Final' });
    expect((await t.http().get(`/api/workspaces/${ws.id}`).set(owner.auth)).body).toMatchObject({
      name: 'Final',
    });

    for (const body of [{ name: '' }, { name: 'x'.repeat(201) }, { name: 'ok', extra: true }]) {
      expectProblem(await t.http().patch(`/api/workspaces/${ws.id}`).set(owner.auth).send(body), 400);
    }

    const deleted = await t.http().delete(`/api/workspaces/${ws.id}`).set(owner.auth);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expectProblem(await t.http().get(`/api/workspaces/${ws.id}`).set(owner.auth), 404);
    expectProblem(
      await t.http().patch(`/api/workspaces/${ws.id}`).set(owner.auth).send({ name: 'again' }),
      404,
    );
    expectProblem(await t.http().delete(`/api/workspaces/${ws.id}`).set(owner.auth), 404);
    const list = await t.http().get('/api/workspaces?limit=100').set(owner.auth);
    expect((list.body as Page).items.map((w) => w.id)).not.toContain(ws.id);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expectProblem(await t.http().get(`/api/workspaces/${MISSING}`).set(owner.auth), 404);
    expectProblem(await t.http().get('/api/workspaces/not-a-uuid').set(owner.auth), 400);
    expectProblem(await t.http().delete('/api/workspaces/not-a-uuid').set(owner.auth), 400);
  });

  it("answers 404 (never 403) for someone else's workspace, and leaves it untouched", async () => {
    const ws = await createWorkspace(t.http, owner.auth, 'Private');
    const get = await t.http().get(`/api/workspaces/${ws.id}`).set(stranger.auth);
    const missing = await t.http().get(`/api/workspaces/${MISSING}`).set(stranger.auth);
    expectProblem(get, 404);
    expect({ ...(get.body as object), instance: '' }).toEqual({ ...(missing.body as object), instance: '' });
    expectProblem(
      await t.http().patch(`/api/workspaces/${ws.id}`).set(stranger.auth).send({ name: 'Mine' }),
      404,
    );
    expectProblem(await t.http().delete(`/api/workspaces/${ws.id}`).set(stranger.auth), 404);

    const still = await t.http().get(`/api/workspaces/${ws.id}`).set(owner.auth);
    expect(still.status).toBe(200);
    expect(still.body).toEqual(ws);
    const theirs = await t.http().get('/api/workspaces?limit=100').set(stranger.auth);
    expect((theirs.body as Page).items.map((w) => w.id)).not.toContain(ws.id);
  });
});
