/**
 * SPEC §4 admin routes: listing, reading and updating users; deactivation
 * revokes every credential of the user.
 */
import { UsersService } from '../../src/users/users.service';
import { bearer, registerUser, RegisteredUser } from '../factories/users';
import { bootApp, TestApp } from './support/app';
import { expectProblem, problemFields } from './support/problem';

const USER_KEYS = ['createdAt', 'displayName', 'email', 'id', 'isActive', 'role'];
const MISSING = '00000000-0000-4000-8000-000000000000';

interface UserBody {
  id: string;
  email: string;
  displayName: string;
  isActive: boolean;
  role: string;
  createdAt: string;
}

let t: TestApp;
let admin: RegisteredUser;
let member: RegisteredUser;

beforeAll(async () => {
  t = await bootApp();
  admin = await registerUser(t.http, { displayName: 'Admin' });
  await t.app.get(UsersService).update(admin.id, { role: 'admin' });
  member = await registerUser(t.http, { displayName: 'Member' });
});
afterAll(async () => {
  await t.close();
});

const meStatus = async (auth: { Authorization: string }): Promise<number> =>
  (await t.http().get('/api/auth/me').set(auth)).status;

describe('admin only', () => {
  it('answers 403 to a non-admin on every users route', async () => {
    expectProblem(await t.http().get('/api/users').set(member.auth), 403);
    expectProblem(await t.http().get(`/api/users/${admin.id}`).set(member.auth), 403);
    expectProblem(await t.http().get(`/api/users/${member.id}`).set(member.auth), 403);
    expectProblem(
      await t.http().patch(`/api/users/${member.id}`).set(member.auth).send({ role: 'admin' }),
      403,
    );
    const me = await t.http().get('/api/auth/me').set(member.auth);
    expect((me.body as UserBody).role).toBe('user');
  });

  it('answers 401 without a token', async () => {
    expectProblem(await t.http().get('/api/users'), 401);
  });
});

describe('GET /api/users', () => {
  it('lists the users newest first, page by page', async () => {
    const extra = [await registerUser(t.http), await registerUser(t.http), await registerUser(t.http)];
    const mine = [admin.id, member.id, ...extra.map((u) => u.id)];
    // The database may hold other test files' users (PostgreSQL is shared):
    // walk pages of 2 until every user of this file has been seen.
    const seen: UserBody[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
      const res = await t.http().get(`/api/users${query}`).set(admin.auth);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body as object).sort()).toEqual(['items', 'nextCursor']);
      const page = res.body as { items: UserBody[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      for (const u of page.items) expect(Object.keys(u).sort()).toEqual(USER_KEYS);
      if (page.nextCursor) expect(page.items).toHaveLength(2);
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && !mine.every((id) => seen.some((u) => u.id === id)) && pages < 1000);
    expect(pages).toBeGreaterThanOrEqual(3);
    const ids = seen.map((u) => u.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(mine));
    // Newest first: the later a user registered, the earlier it is listed.
    const order = mine.map((id) => ids.indexOf(id));
    expect([...order].sort((a, b) => b - a)).toEqual(order);
    const times = seen.map((u) => Date.parse(u.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(JSON.stringify(seen)).not.toMatch(/password/i);
  });

  it('answers 400 for a bad limit or cursor', async () => {
    for (const query of ['limit=0', 'limit=101', 'limit=two', 'cursor=not-a-cursor']) {
      expectProblem(await t.http().get(`/api/users?${query}`).set(admin.auth), 400);
    }
  });
});

describe('GET /api/users/:id', () => {
  it('answers the user', async () => {
    const res = await t.http().get(`/api/users/${member.id}`).set(admin.auth);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body as object).sort()).toEqual(USER_KEYS);
    expect(res.body).toMatchObject({
      id: member.id,
      email: member.email,
      displayName: 'Member',
      isActive: true,
    });
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expectProblem(await t.http().get(`/api/users/${MISSING}`).set(admin.auth), 404);
    expectProblem(await t.http().get('/api/users/42').set(admin.auth), 400);
  });
});

describe('PATCH /api/users/:id', () => {
  it('changes the display name and role', async () => {
    const target = await registerUser(t.http);
    const res = await t
      .http()
      .patch(`/api/users/${target.id}`)
      .set(admin.auth)
      .send({ displayName: 'Renamed', role: 'admin' });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body as object).sort()).toEqual(USER_KEYS);
    expect(res.body).toMatchObject({ id: target.id, displayName: 'Renamed', role: 'admin', isActive: true });
    // The new role applies to the user's existing tokens.
    expect((await t.http().get('/api/users?limit=1').set(target.auth)).status).toBe(200);
    const back = await t.http().patch(`/api/users/${target.id}`).set(admin.auth).send({ role: 'user' });
    expect((back.body as UserBody).role).toBe('user');
    expectProblem(await t.http().get('/api/users?limit=1').set(target.auth), 403);
  });

  it('answers 200 with the user unchanged for an empty body', async () => {
    const res = await t.http().patch(`/api/users/${member.id}`).set(admin.auth).send({});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: member.id, displayName: 'Member', role: 'user', isActive: true });
  });

  it('validates the body', async () => {
    for (const [body, field] of [
      [{ role: 'owner' }, 'role'],
      [{ isActive: 'no' }, 'isActive'],
      [{ displayName: '' }, 'displayName'],
      [{ displayName: 'd'.repeat(101) }, 'displayName'],
      [{ email: 'new@example.test' }, 'email'],
    ] as [Record<string, unknown>, string][]) {
      const res = await t.http().patch(`/api/users/${member.id}`).set(admin.auth).send(body);
      expectProblem(res, 400);
      expect(problemFields(res)).toEqual([field]);
    }
    expectProblem(
      await t.http().patch(`/api/users/${MISSING}`).set(admin.auth).send({ displayName: 'x' }),
      404,
    );
  });

  it('deactivating revokes every session and token of the user; login then answers 403', async () => {
    const target = await registerUser(t.http);
    const loginRes = await t
      .http()
      .post('/api/auth/login')
      .send({ email: target.email, password: target.password });
    const second = loginRes.body as { accessToken: string; refreshToken: string };
    const pat = await t
      .http()
      .post('/api/auth/tokens')
      .set(target.auth)
      .send({ name: 'script', scopes: ['read'] });
    const patAuth = bearer((pat.body as { token: string }).token);
    expect(await meStatus(patAuth)).toBe(200);

    const res = await t.http().patch(`/api/users/${target.id}`).set(admin.auth).send({ isActive: false });
    expect(res.status).toBe(200);
    expect((res.body as UserBody).isActive).toBe(false);

    expectProblem(await t.http().get('/api/auth/me').set(target.auth), 401);
    expectProblem(await t.http().get('/api/auth/me').set(bearer(second.accessToken)), 401);
    expectProblem(await t.http().get('/api/auth/me').set(patAuth), 401);
    expectProblem(await t.http().post('/api/auth/refresh').send({ refreshToken: second.refreshToken }), 401);
    expectProblem(
      await t.http().post('/api/auth/login').send({ email: target.email, password: target.password }),
      403,
    );

    // Reactivated, the user may sign in again, but the old credentials stay dead.
    await t.http().patch(`/api/users/${target.id}`).set(admin.auth).send({ isActive: true }).expect(200);
    const again = await t
      .http()
      .post('/api/auth/login')
      .send({ email: target.email, password: target.password });
    expect(again.status).toBe(200);
    expect(await meStatus(bearer((again.body as { accessToken: string }).accessToken))).toBe(200);
    expect(await meStatus(target.auth)).toBe(401);
    expect(await meStatus(patAuth)).toBe(401);
  });
});

describe('the last active administrator', () => {
  // A database of its own (embedded, whatever the run uses), so "last" means last.
  let own: TestApp;
  beforeAll(async () => {
    own = await bootApp({ DATABASE_URL: 'pglite://memory', REDIS_URL: '' });
  });
  afterAll(async () => {
    await own.close();
  });

  it('cannot be demoted or deactivated; with a second admin both can', async () => {
    const first = await registerUser(own.http);
    await own.app.get(UsersService).update(first.id, { role: 'admin' });

    const demote = await own.http().patch(`/api/users/${first.id}`).set(first.auth).send({ role: 'user' });
    expectProblem(demote, 409);
    const deactivate = await own
      .http()
      .patch(`/api/users/${first.id}`)
      .set(first.auth)
      .send({ isActive: false });
    expectProblem(deactivate, 409);

    const second = await registerUser(own.http);
    const promoted = await own
      .http()
      .patch(`/api/users/${second.id}`)
      .set(first.auth)
      .send({ role: 'admin' });
    expect(promoted.status).toBe(200);
    const demoted = await own.http().patch(`/api/users/${first.id}`).set(second.auth).send({ role: 'user' });
    expect(demoted.status).toBe(200);
    expect((demoted.body as UserBody).role).toBe('user');
    // Now `second` is the last one.
    expectProblem(
      await own.http().patch(`/api/users/${second.id}`).set(second.auth).send({ isActive: false }),
      409,
    );
  });
});
