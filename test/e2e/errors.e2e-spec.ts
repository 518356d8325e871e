/**
 * SPEC §3 error conventions: every error is problem+json, with per-field
 * errors for validation, and the transport errors (malformed JSON, media
 * type, size, unknown route) in the same shape, never leaking internals.
 */
import { registerUser, RegisteredUser } from '../factories/users';
import { bootApp, TestApp } from './support/app';
import { expectProblem, problemFields } from './support/problem';

let t: TestApp;
let user: RegisteredUser;

beforeAll(async () => {
  t = await bootApp();
  user = await registerUser(t.http);
});
afterAll(async () => {
  await t.close();
});

const cursorOf = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('problem details', () => {
  it('answers an unknown route with a 404 problem, signed in or not', async () => {
    const anon = await t.http().get('/api/no-such-route');
    expect(expectProblem(anon, 404).instance).toBe('/api/no-such-route');
    expectProblem(await t.http().get('/api/no-such-route?x=1').set(user.auth), 404);
    expectProblem(await t.http().post('/nowhere').send({ a: 1 }), 404);
    expectProblem(await t.http().put('/api/workspaces').set(user.auth).send({ name: 'x' }), 404);
  });

  it('answers a missing credential with 401 and WWW-Authenticate', async () => {
    const res = await t.http().get('/api/workspaces');
    expect(expectProblem(res, 401).title).toBe('Unauthorized');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('answers validation failures with 400 and errors per field', async () => {
    const res = await t
      .http()
      .post('/api/auth/register')
      .send({ email: 'nope', password: 'short', displayName: 'x'.repeat(101) });
    const body = expectProblem(res, 400);
    expect(problemFields(res).sort()).toEqual(['displayName', 'email', 'password']);
    expect(body.errors).toEqual(
      expect.arrayContaining([{ field: 'email', message: expect.stringContaining('email') }]),
    );
  });

  it('answers unknown body fields with 400 naming them', async () => {
    const res = await t.http().post('/api/workspaces').set(user.auth).send({ name: 'ok', isAdmin: true });
    expectProblem(res, 400);
    expect(problemFields(res)).toEqual(['isAdmin']);
  });

  it('answers malformed JSON with 400', async () => {
    for (const raw of ['{"name":', '{name: 1}', 'null x']) {
      const res = await t
        .http()
        .post('/api/workspaces')
        .set(user.auth)
        .set('Content-Type', 'application/json')
        .send(raw);
      expectProblem(res, 400);
    }
    const login = await t
      .http()
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"email": "a@b.test", "password": ');
    expectProblem(login, 400);
  });

  it('answers a body of the wrong media type with 415', async () => {
    for (const [type, raw] of [
      ['text/plain', 'name=x'],
      ['application/xml', '<name>x</name>'],
      ['application/x-www-form-urlencoded', 'name=x'],
      ['application/octet-stream', 'xxxx'],
    ]) {
      const res = await t.http().post('/api/workspaces').set(user.auth).set('Content-Type', type).send(raw);
      expectProblem(res, 415);
    }
    const login = await t
      .http()
      .post('/api/auth/login')
      .set('Content-Type', 'text/plain')
      .send(JSON.stringify({ email: user.email, password: user.password }));
    expectProblem(login, 415);
    // JSON with a charset is fine.
    const ok = await t
      .http()
      .post('/api/workspaces')
      .set(user.auth)
      .set('Content-Type', 'application/json; charset=utf-8')
      .send(JSON.stringify({ name: 'charset' }));
    expect(ok.status).toBe(201);
  });

  it('answers a body that is too large with 413', async () => {
    const res = await t
      .http()
      .post('/api/workspaces')
      .set(user.auth)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ name: 'x'.repeat(6 * 1024 * 1024) }));
    expectProblem(res, 413);
  });

  it('answers bad pagination parameters with 400', async () => {
    for (const query of [
      'limit=0',
      'limit=101',
      'limit=-1',
      'limit=abc',
      'cursor=!!!',
      `cursor=${cursorOf({ t: 'yesterday', id: '2c8bb4a4-8d6f-4a3b-9a55-6d7b7a1e7f10' })}`,
      `cursor=${cursorOf({ t: new Date().toISOString(), id: 'not-a-uuid' })}`,
      `cursor=${cursorOf({ t: '1', id: '2c8bb4a4-8d6f-4a3b-9a55-6d7b7a1e7f10' })}`,
      `cursor=${cursorOf({ t: new Date().toISOString(), id: '-'.repeat(36) })}`,
      `cursor=${cursorOf([1, 2])}`,
    ]) {
      const res = await t.http().get(`/api/workspaces?${query}`).set(user.auth);
      expectProblem(res, 400);
      expect(problemFields(res).length).toBeGreaterThan(0);
    }
  });

  it('answers unknown query parameters with 400', async () => {
    const res = await t.http().get('/api/workspaces?sort=name').set(user.auth);
    expectProblem(res, 400);
    expect(problemFields(res)).toEqual(['sort']);
  });

  it('answers a malformed id with 400 and a conflict with 409, without SQL or stack traces', async () => {
    expectProblem(await t.http().get("/api/workspaces/1'%20OR%20'1'='1").set(user.auth), 400);
    const conflict = await t
      .http()
      .post('/api/auth/register')
      .send({ email: user.email, password: 'long enough pw' });
    expectProblem(conflict, 409);
  });

  it('echoes a request id header', async () => {
    const res = await t.http().get('/api/no-such-route').set('X-Request-Id', 'trace-123');
    expect(res.headers['x-request-id']).toBe('trace-123');
  });
});
