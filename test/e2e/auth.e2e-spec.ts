/**
 * SPEC §4: registration, login, refresh rotation, logout, password change,
 * web sessions, personal access tokens and the auth rate limits, against the
 * booted app and its real database.
 */
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { UsersService } from '../../src/users/users.service';
import { bearer, registerUser, RegisteredUser, uniqueEmail } from '../factories/users';
import { bootApp, TestApp } from './support/app';
import { expectProblem, problemFields } from './support/problem';

const USER_KEYS = ['createdAt', 'displayName', 'email', 'id', 'isActive', 'role'];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The `sid` claim of an access token (the web session it belongs to). */
const sessionIdOf = (accessToken: string): string =>
  (JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8')) as { sid: string }).sid;

let t: TestApp;

beforeAll(async () => {
  t = await bootApp();
});
afterAll(async () => {
  await t.close();
});

async function login(
  email: string,
  password: string,
): Promise<{ accessToken: string; refreshToken: string; auth: { Authorization: string } }> {
  const res = await t.http().post('/api/auth/login').send({ email, password });
  expect(res.status).toBe(200);
  const body = res.body as { accessToken: string; refreshToken: string };
  return { ...body, auth: bearer(body.accessToken) };
}

const meStatus = async (auth: { Authorization: string }): Promise<number> =>
  (await t.http().get('/api/auth/me').set(auth)).status;

async function createToken(
  user: RegisteredUser,
  body: Record<string, unknown> = { name: 'script' },
): Promise<{ id: string; token: string; auth: { Authorization: string } }> {
  const res = await t.http().post('/api/auth/tokens').set(user.auth).send(body);
  expect(res.status).toBe(201);
  const created = res.body as { id: string; token: string };
  return { id: created.id, token: created.token, auth: bearer(created.token) };
}

describe('POST /api/auth/register', () => {
  it('answers 201 with a token pair and the user, and creates the Default Workspace', async () => {
    const email = uniqueEmail('reg');
    const res = await t
      .http()
      .post('/api/auth/register')
      .send({ email, password: 'long enough password', displayName: '  Ada Lovelace  ' });
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(res.body as object).sort()).toEqual([
      'accessToken',
      'expiresIn',
      'refreshToken',
      'user',
    ]);
    const body = res.body as {
      accessToken: string;
      refreshToken: string;
      expiresIn: number;
      user: Record<string, unknown>;
    };
    expect(body.accessToken.split('.')).toHaveLength(3);
    expect(typeof body.refreshToken).toBe('string');
    expect(body.expiresIn).toBe(15 * 60);
    expect(Object.keys(body.user).sort()).toEqual(USER_KEYS);
    expect(body.user).toEqual({
      id: expect.stringMatching(UUID),
      email,
      displayName: 'Ada Lovelace',
      isActive: true,
      role: 'user',
      createdAt: expect.stringMatching(ISO),
    });
    expect(res.text).not.toMatch(/password/i);

    const workspaces = await t.http().get('/api/workspaces').set(bearer(body.accessToken));
    expect(workspaces.status).toBe(200);
    expect((workspaces.body as { items: { name: string; ownerId: string }[] }).items).toEqual([
      expect.objectContaining({ name: 'Default Workspace', ownerId: body.user.id }),
    ]);
  });

  it('defaults the display name to the local part of the email and stores the email lower-cased', async () => {
    const local = `Mixed-${Date.now()}`;
    const res = await t
      .http()
      .post('/api/auth/register')
      .send({ email: `${local}@Example.TEST`, password: 'long enough password' });
    expect(res.status).toBe(201);
    const user = (res.body as { user: { email: string; displayName: string } }).user;
    expect(user.email).toBe(`${local}@example.test`.toLowerCase());
    expect(user.displayName).toBe(local);
  });

  it('answers 409 for a taken email, also written in another case', async () => {
    const user = await registerUser(t.http);
    const same = await t
      .http()
      .post('/api/auth/register')
      .send({ email: user.email, password: 'another password' });
    expect(expectProblem(same, 409).title).toBe('Conflict');
    const upper = await t
      .http()
      .post('/api/auth/register')
      .send({ email: user.email.toUpperCase(), password: 'another password' });
    expectProblem(upper, 409);
  });

  it('answers 400 with per-field errors for a bad email, a short or long password, a long display name', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ email: 'not-an-email', password: 'long enough password' }, 'email'],
      [{ email: uniqueEmail(), password: 'short' }, 'password'],
      [{ email: uniqueEmail(), password: 'x'.repeat(257) }, 'password'],
      [
        { email: uniqueEmail(), password: 'long enough password', displayName: 'd'.repeat(101) },
        'displayName',
      ],
      [{ password: 'long enough password' }, 'email'],
      [{ email: `${'a'.repeat(320)}@example.test`, password: 'long enough password' }, 'email'],
    ];
    for (const [body, field] of cases) {
      const res = await t.http().post('/api/auth/register').send(body);
      expectProblem(res, 400);
      expect(problemFields(res)).toEqual([field]);
    }
  });
});

describe('POST /api/auth/login', () => {
  let user: RegisteredUser;
  beforeAll(async () => {
    user = await registerUser(t.http);
  });

  it('answers 200 with a token pair, the user and the workspaces with their chats', async () => {
    const res = await t.http().post('/api/auth/login').send({ email: user.email, password: user.password });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body as object).sort()).toEqual([
      'accessToken',
      'expiresIn',
      'refreshToken',
      'user',
      'workspaces',
    ]);
    const body = res.body as {
      accessToken: string;
      expiresIn: number;
      user: { id: string };
      workspaces: unknown[];
    };
    expect(body.expiresIn).toBe(900);
    expect(body.user.id).toBe(user.id);
    expect(body.workspaces).toEqual([
      { id: expect.stringMatching(UUID), name: 'Default Workspace', chats: [] },
    ]);
    expect(await meStatus(bearer(body.accessToken))).toBe(200);
  });

  it('ignores the case of the email', async () => {
    const res = await t
      .http()
      .post('/api/auth/login')
      .send({ email: `  ${user.email.toUpperCase()} `, password: user.password });
    expect(res.status).toBe(200);
  });

  it('answers an unknown email and a wrong password with the same 401 body', async () => {
    const unknown = await t
      .http()
      .post('/api/auth/login')
      .send({ email: uniqueEmail('nobody'), password: user.password });
    const wrong = await t
      .http()
      .post('/api/auth/login')
      .send({ email: user.email, password: 'wrong password!' });
    expectProblem(unknown, 401);
    expectProblem(wrong, 401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.headers['content-type']).toBe(unknown.headers['content-type']);
  });

  it('answers 403 for a deactivated user', async () => {
    const inactive = await registerUser(t.http);
    await t.app.get(UsersService).update(inactive.id, { isActive: false });
    const res = await t
      .http()
      .post('/api/auth/login')
      .send({ email: inactive.email, password: inactive.password });
    expectProblem(res, 403);
  });

  it('answers 400 for a missing password', async () => {
    const res = await t.http().post('/api/auth/login').send({ email: user.email });
    expectProblem(res, 400);
    expect(problemFields(res)).toEqual(['password']);
  });
});

describe('POST /api/auth/refresh', () => {
  it('answers a new pair; the old refresh token stops working', async () => {
    const user = await registerUser(t.http);
    const res = await t.http().post('/api/auth/refresh').send({ refreshToken: user.refreshToken });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body as object).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken']);
    const pair = res.body as { accessToken: string; refreshToken: string; expiresIn: number };
    expect(pair.refreshToken).not.toBe(user.refreshToken);
    expect(pair.expiresIn).toBe(900);
    expect(sessionIdOf(pair.accessToken)).toBe(sessionIdOf(user.accessToken));
    expect(await meStatus(bearer(pair.accessToken))).toBe(200);

    const next = await t.http().post('/api/auth/refresh').send({ refreshToken: pair.refreshToken });
    expect(next.status).toBe(200);
  });

  it('revokes the session when a rotated refresh token comes back', async () => {
    const user = await registerUser(t.http);
    const first = await t.http().post('/api/auth/refresh').send({ refreshToken: user.refreshToken });
    expect(first.status).toBe(200);
    const newest = first.body as { accessToken: string; refreshToken: string };

    const replay = await t.http().post('/api/auth/refresh').send({ refreshToken: user.refreshToken });
    expectProblem(replay, 401);

    expectProblem(await t.http().post('/api/auth/refresh').send({ refreshToken: newest.refreshToken }), 401);
    expectProblem(await t.http().get('/api/auth/me').set(bearer(newest.accessToken)), 401);
    expect(await meStatus(user.auth)).toBe(401);
    // Other sessions of the user live on.
    const other = await login(user.email, user.password);
    expect(await meStatus(other.auth)).toBe(200);
  });

  it('answers 401 for a forged or malformed refresh token and 400 for none', async () => {
    const user = await registerUser(t.http);
    const sessionId = user.refreshToken.split('.')[0];
    for (const refreshToken of ['garbage', `${sessionId}.${'A'.repeat(43)}`, user.accessToken]) {
      expectProblem(await t.http().post('/api/auth/refresh').send({ refreshToken }), 401);
    }
    const missing = await t.http().post('/api/auth/refresh').send({});
    expectProblem(missing, 400);
    expect(problemFields(missing)).toEqual(['refreshToken']);
  });
});

describe('POST /api/auth/logout', () => {
  it('answers 204; the access and refresh tokens of that session stop working at once', async () => {
    const user = await registerUser(t.http);
    const other = await login(user.email, user.password);
    const res = await t.http().post('/api/auth/logout').set(user.auth);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expectProblem(await t.http().get('/api/auth/me').set(user.auth), 401);
    expectProblem(await t.http().post('/api/auth/refresh').send({ refreshToken: user.refreshToken }), 401);
    expect(await meStatus(other.auth)).toBe(200);
  });

  it('answers 401 without a token', async () => {
    const res = await t.http().post('/api/auth/logout');
    expectProblem(res, 401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });
});

describe('GET /api/auth/me', () => {
  it('answers the user', async () => {
    const user = await registerUser(t.http, { displayName: 'Grace' });
    const res = await t.http().get('/api/auth/me').set(user.auth);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body as object).sort()).toEqual(USER_KEYS);
    expect(res.body).toMatchObject({ id: user.id, email: user.email, displayName: 'Grace', role: 'user' });
  });

  it('answers 401 for a missing, malformed or wrongly signed token', async () => {
    const user = await registerUser(t.http);
    const [header, payload] = user.accessToken.split('.');
    for (const auth of [
      {},
      { Authorization: 'Basic dXNlcjpwYXNz' },
      bearer('not-a-jwt'),
      bearer(`${header}.${payload}.${'x'.repeat(43)}`),
      bearer('tl_unknown-token'),
    ]) {
      const res = await t.http().get('/api/auth/me').set(auth);
      expectProblem(res, 401);
    }
  });
});

describe('POST /api/auth/password', () => {
  it('changes the password: 204, every earlier token of every session and every PAT answers 401', async () => {
    const user = await registerUser(t.http);
    const second = await login(user.email, user.password);
    const pat = await createToken(user, { name: 'before', scopes: ['read'] });
    expect(await meStatus(pat.auth)).toBe(200);

    const res = await t
      .http()
      .post('/api/auth/password')
      .set(user.auth)
      .send({ currentPassword: user.password, newPassword: 'a brand new password' });
    expect(res.status).toBe(204);

    expect(await meStatus(user.auth)).toBe(401);
    expect(await meStatus(second.auth)).toBe(401);
    expect(await meStatus(pat.auth)).toBe(401);
    expectProblem(await t.http().post('/api/auth/refresh').send({ refreshToken: second.refreshToken }), 401);

    expectProblem(
      await t.http().post('/api/auth/login').send({ email: user.email, password: user.password }),
      401,
    );
    const fresh = await login(user.email, 'a brand new password');
    expect(await meStatus(fresh.auth)).toBe(200);
  });

  it('answers 400 for a wrong current password and for a short new one, and changes nothing', async () => {
    const user = await registerUser(t.http);
    const wrong = await t
      .http()
      .post('/api/auth/password')
      .set(user.auth)
      .send({ currentPassword: 'not the password', newPassword: 'a brand new password' });
    expectProblem(wrong, 400);
    expect(problemFields(wrong)).toEqual(['currentPassword']);
    const short = await t
      .http()
      .post('/api/auth/password')
      .set(user.auth)
      .send({ currentPassword: user.password, newPassword: 'short' });
    expectProblem(short, 400);
    expect(problemFields(short)).toEqual(['newPassword']);
    expect(await meStatus(user.auth)).toBe(200);
    await login(user.email, user.password);
  });
});

describe('web sessions', () => {
  it('lists the live sessions, paginated, with `current` true only for the caller', async () => {
    const user = await registerUser(t.http);
    const second = await login(user.email, user.password);
    const third = await login(user.email, user.password);

    const first = await t.http().get('/api/auth/sessions?limit=2').set(second.auth);
    expect(first.status).toBe(200);
    expect(Object.keys(first.body as object).sort()).toEqual(['items', 'nextCursor']);
    const page1 = first.body as { items: Record<string, unknown>[]; nextCursor: string | null };
    expect(page1.items).toHaveLength(2);
    expect(typeof page1.nextCursor).toBe('string');
    for (const s of page1.items) {
      expect(Object.keys(s).sort()).toEqual([
        'current',
        'expiresAt',
        'id',
        'ipNet',
        'issuedAt',
        'lastSeenAt',
        'userAgent',
      ]);
      expect(s.issuedAt).toMatch(ISO);
    }
    const rest = await t
      .http()
      .get(`/api/auth/sessions?limit=2&cursor=${encodeURIComponent(page1.nextCursor!)}`)
      .set(second.auth);
    expect(rest.status).toBe(200);
    const page2 = rest.body as { items: { id: string; current: boolean }[]; nextCursor: string | null };
    expect(page2.nextCursor).toBeNull();
    const all = [...(page1.items as unknown as { id: string; current: boolean }[]), ...page2.items];
    expect(all.map((s) => s.id).sort()).toEqual(
      [user.accessToken, second.accessToken, third.accessToken].map(sessionIdOf).sort(),
    );
    // Newest first: the third login's session leads.
    expect(all[0].id).toBe(sessionIdOf(third.accessToken));
    expect(all.filter((s) => s.current).map((s) => s.id)).toEqual([sessionIdOf(second.accessToken)]);
  });

  it('revokes one session: 204, its tokens answer 401, others live on; unknown ids answer 404', async () => {
    const user = await registerUser(t.http);
    const other = await login(user.email, user.password);
    const otherId = sessionIdOf(other.accessToken);

    const res = await t.http().delete(`/api/auth/sessions/${otherId}`).set(user.auth);
    expect(res.status).toBe(204);
    expectProblem(await t.http().get('/api/auth/me').set(other.auth), 401);
    expectProblem(await t.http().post('/api/auth/refresh').send({ refreshToken: other.refreshToken }), 401);
    expect(await meStatus(user.auth)).toBe(200);

    const list = await t.http().get('/api/auth/sessions').set(user.auth);
    expect((list.body as { items: { id: string }[] }).items.map((s) => s.id)).toEqual([
      sessionIdOf(user.accessToken),
    ]);
    expectProblem(await t.http().delete(`/api/auth/sessions/${otherId}`).set(user.auth), 404);
    expectProblem(await t.http().delete('/api/auth/sessions/not-a-uuid').set(user.auth), 400);
  });

  it("answers 404 for someone else's session and leaves it alive", async () => {
    const owner = await registerUser(t.http);
    const stranger = await registerUser(t.http);
    const res = await t
      .http()
      .delete(`/api/auth/sessions/${sessionIdOf(owner.accessToken)}`)
      .set(stranger.auth);
    expectProblem(res, 404);
    expect(await meStatus(owner.auth)).toBe(200);
  });
});

describe('personal access tokens', () => {
  let user: RegisteredUser;
  beforeAll(async () => {
    user = await registerUser(t.http);
  });

  it('shows the token once on creation, never in the list, and stores only its hash', async () => {
    const res = await t.http().post('/api/auth/tokens').set(user.auth).send({ name: '  ci  ' });
    expect(res.status).toBe(201);
    const created = res.body as Record<string, unknown> & { id: string; token: string };
    expect(Object.keys(created).sort()).toEqual([
      'createdAt',
      'expiresAt',
      'hint',
      'id',
      'lastUsedAt',
      'name',
      'scopes',
      'token',
    ]);
    expect(created).toMatchObject({ name: 'ci', scopes: ['llm:invoke'], expiresAt: null, lastUsedAt: null });
    expect(created.token).toMatch(/^tl_[A-Za-z0-9_-]{40,}$/);
    expect(created.hint).toBe(created.token.slice(-4));

    const list = await t.http().get('/api/auth/tokens').set(user.auth);
    expect(list.status).toBe(200);
    expect(Object.keys(list.body as object).sort()).toEqual(['items', 'nextCursor']);
    const items = (list.body as { items: Record<string, unknown>[] }).items;
    const listed = items.find((i) => i.id === created.id);
    expect(listed).toBeDefined();
    expect(listed).not.toHaveProperty('token');
    expect(list.text).not.toContain(created.token);

    const rows = await t.app
      .get(DataSource)
      .query<Record<string, unknown>[]>('SELECT * FROM personal_access_tokens WHERE id = $1', [created.id]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows[0])).not.toContain(created.token);
    expect(JSON.stringify(rows[0])).not.toContain(created.token.slice(3));
    expect(rows[0].token_hash).toBe(createHash('sha256').update(created.token).digest('hex'));
  });

  it('bounds a token by its scopes', async () => {
    const invokeOnly = await createToken(user, { name: 'llm' });
    expectProblem(await t.http().get('/api/workspaces').set(invokeOnly.auth), 403);

    const read = await createToken(user, { name: 'reader', scopes: ['read'] });
    expect((await t.http().get('/api/workspaces').set(read.auth)).status).toBe(200);
    expect(await meStatus(read.auth)).toBe(200);
    expectProblem(await t.http().post('/api/workspaces').set(read.auth).send({ name: 'nope' }), 403);

    const write = await createToken(user, { name: 'writer', scopes: ['read', 'write'] });
    expect((await t.http().post('/api/workspaces').set(write.auth).send({ name: 'by token' })).status).toBe(
      201,
    );
  });

  it('cannot manage credentials with a token (403)', async () => {
    const all = await createToken(user, { name: 'all', scopes: ['llm:invoke', 'read', 'write'] });
    expectProblem(await t.http().post('/api/auth/tokens').set(all.auth).send({ name: 'child' }), 403);
    expectProblem(
      await t
        .http()
        .post('/api/auth/password')
        .set(all.auth)
        .send({ currentPassword: user.password, newPassword: 'a brand new password' }),
      403,
    );
    expectProblem(await t.http().get('/api/auth/tokens').set(all.auth), 403);
    expectProblem(await t.http().get('/api/auth/sessions').set(all.auth), 403);
    expectProblem(await t.http().delete(`/api/auth/tokens/${all.id}`).set(all.auth), 403);
  });

  it('revokes a token: 204, then it answers 401 and leaves the list', async () => {
    const read = await createToken(user, { name: 'short-lived', scopes: ['read'] });
    const res = await t.http().delete(`/api/auth/tokens/${read.id}`).set(user.auth);
    expect(res.status).toBe(204);
    expectProblem(await t.http().get('/api/auth/me').set(read.auth), 401);
    const list = await t.http().get('/api/auth/tokens?limit=100').set(user.auth);
    expect((list.body as { items: { id: string }[] }).items.map((i) => i.id)).not.toContain(read.id);
    expectProblem(await t.http().delete(`/api/auth/tokens/${read.id}`).set(user.auth), 404);
  });

  it("answers 404 for someone else's token and leaves it working", async () => {
    const stranger = await registerUser(t.http);
    const read = await createToken(user, { name: 'mine', scopes: ['read'] });
    expectProblem(await t.http().delete(`/api/auth/tokens/${read.id}`).set(stranger.auth), 404);
    expect(await meStatus(read.auth)).toBe(200);
  });

  it('validates the body: expiresAt in the past, unknown scopes, a missing or long name', async () => {
    const past = await t
      .http()
      .post('/api/auth/tokens')
      .set(user.auth)
      .send({ name: 'old', expiresAt: new Date(Date.now() - 60_000).toISOString() });
    expectProblem(past, 400);
    expect(problemFields(past)).toEqual(['expiresAt']);
    for (const [body, field] of [
      [{ name: 'x', scopes: ['admin'] }, 'scopes'],
      [{ name: 'x', scopes: 'read' }, 'scopes'],
      [{ name: 'x', expiresAt: 'tomorrow' }, 'expiresAt'],
      [{}, 'name'],
      [{ name: 'n'.repeat(101) }, 'name'],
    ] as [Record<string, unknown>, string][]) {
      const res = await t.http().post('/api/auth/tokens').set(user.auth).send(body);
      expectProblem(res, 400);
      expect(problemFields(res)).toEqual([field]);
    }
    const future = new Date(Date.now() + 86_400_000);
    const ok = await t
      .http()
      .post('/api/auth/tokens')
      .set(user.auth)
      .send({ name: 'dated', expiresAt: future.toISOString() });
    expect(ok.status).toBe(201);
    expect((ok.body as { expiresAt: string }).expiresAt).toBe(future.toISOString());
  });
});

describe('auth rate limits', () => {
  it('answers 429 with Retry-After over the per-email limit, and over the per-IP limit across emails', async () => {
    // Per email 3, per IP 6: the 4th attempt for one email trips the email
    // counter; the 7th attempt from this address trips the IP counter for an
    // email never seen before.
    const limited = await bootApp({ AUTH_RATE_LIMIT_PER_EMAIL: '3', AUTH_RATE_LIMIT_PER_IP: '6' });
    try {
      const attempt = (email: string) =>
        limited.http().post('/api/auth/login').send({ email, password: 'wrong password' });
      const email = uniqueEmail('limited');
      for (let i = 0; i < 3; i++) expect((await attempt(email)).status).toBe(401);
      const res = await attempt(email.toUpperCase());
      const body = expectProblem(res, 429);
      expect(body.title).toBe('Too Many Requests');
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);

      // Attempt 5: another email is not held back by the first one's counter.
      expect((await attempt(uniqueEmail('free'))).status).toBe(401);
      // Attempt 6: refresh counts against the address too.
      expect((await limited.http().post('/api/auth/refresh').send({ refreshToken: 'garbage' })).status).toBe(
        401,
      );
      // Attempt 7: a fresh email, but this address is over its limit.
      const overIp = await attempt(uniqueEmail('fresh'));
      expectProblem(overIp, 429);
      expect(Number(overIp.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // Register is limited too.
      expectProblem(
        await limited
          .http()
          .post('/api/auth/register')
          .send({ email: uniqueEmail(), password: 'long enough pw' }),
        429,
      );
    } finally {
      await limited.close();
    }
  });
});
