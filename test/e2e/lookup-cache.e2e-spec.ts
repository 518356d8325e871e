/**
 * CACHE_TTL_SECONDS: credential checks (session and token rows) and model
 * lookups are cached, yet no cached answer outlives a change made through the
 * API. Every case first makes a successful request (so the lookup is cached),
 * then changes something, then expects the very next request to see it. The
 * apps run with a 300 s lifetime, so only invalidation can explain the result;
 * with REDIS_URL and DATABASE_URL set, a change on one instance reaches the
 * other one's cache too.
 */
import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { UsersService } from '../../src/users/users.service';
import { OpenAiFake, startOpenAiFake } from '../fakes/openai-fake';
import {
  createLlmModel,
  createLlmService,
  CreatedLlmModel,
  CreatedLlmService,
  uniqueServiceName,
} from '../factories/llm';
import { bearer, registerUser, RegisteredUser } from '../factories/users';
import { bootApp, TestApp } from './support/app';
import { expectProblem } from './support/problem';
import { sleep } from './support/realtime';

type Auth = { Authorization: string };

/** Long enough that nothing expires during the file: only invalidation drops an entry. */
const LONG_TTL = { CACHE_TTL_SECONDS: '300' };
const MESSAGES = [{ role: 'user', content: 'hi' }];

/** Two instances need a shared database and Redis; without them that block does not run. */
const describeWithRedis = process.env.REDIS_URL && process.env.DATABASE_URL ? describe : describe.skip;

interface Pat {
  id: string;
  auth: Auth;
}

async function createPat(t: TestApp, owner: RegisteredUser, scopes: string[]): Promise<Pat> {
  const res = await t.http().post('/api/auth/tokens').set(owner.auth).send({ name: 'cache', scopes });
  if (res.status !== 201) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
  const body = res.body as { id: string; token: string };
  return { id: body.id, auth: bearer(body.token) };
}

const meStatus = async (t: TestApp, auth: Auth): Promise<number> =>
  (await t.http().get('/api/auth/me').set(auth)).status;

async function registerAdmin(t: TestApp): Promise<RegisteredUser> {
  const admin = await registerUser(t.http);
  await t.app.get(UsersService).update(admin.id, { role: 'admin' });
  return admin;
}

/** The `sid` claim of an access token (the web session it belongs to). */
const sessionIdOf = (accessToken: string): string =>
  (JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8')) as { sid: string }).sid;

const chat = (t: TestApp, auth: Auth, model: string): Promise<Response> =>
  t.http().post('/v1/chat/completions').set(auth).send({ model, messages: MESSAGES });

const invoke = (t: TestApp, auth: Auth, modelId: string): Promise<Response> =>
  t.http().post('/api/llm/invoke').set(auth).send({ modelId, messages: MESSAGES });

/** What OpenAI answers for an unknown model (and so does /v1). */
function expectModelNotFound(res: Response, model: string): void {
  expect({ status: res.status, body: res.body as unknown }).toEqual({
    status: 404,
    body: {
      error: {
        message: expect.stringContaining(model),
        type: 'invalid_request_error',
        code: 'model_not_found',
        param: 'model',
      },
    },
  });
}

/** Polls every 50 ms until `check` answers `expected` or `timeoutMs` passed; the last status. */
async function statusWithin(
  check: () => Promise<number>,
  expected: number,
  timeoutMs = 2000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await check();
    if (status === expected || Date.now() > deadline) return status;
    await sleep(50);
  }
}

/** A user with an OpenAI-compatible service on `fake`, one chat model and a PAT (llm:invoke). */
interface LlmSetup {
  user: RegisteredUser;
  pat: Pat;
  service: CreatedLlmService;
  model: CreatedLlmModel;
  /** `<serviceName>/<modelName>` as /v1 names it. */
  qualified: string;
}

async function llmSetup(t: TestApp, fake: OpenAiFake): Promise<LlmSetup> {
  const user = await registerUser(t.http);
  const service = await createLlmService(t.http, user.auth, {
    name: uniqueServiceName('cache'),
    baseUrl: fake.url,
  });
  const model = await createLlmModel(t.http, user.auth, service.id, { name: 'gpt-fake' });
  const pat = await createPat(t, user, ['llm:invoke']);
  return { user, pat, service, model, qualified: `${service.name}/gpt-fake` };
}

describe('with CACHE_TTL_SECONDS=300 on one instance', () => {
  let t: TestApp;
  let first: OpenAiFake;
  let second: OpenAiFake;

  beforeAll(async () => {
    first = await startOpenAiFake();
    second = await startOpenAiFake();
    t = await bootApp(LONG_TTL);
  });
  afterEach(() => {
    first.reset();
    second.reset();
  });
  afterAll(async () => {
    await t.close();
    await first.close();
    await second.close();
  });

  describe('credentials', () => {
    it('are really cached: a token revoked behind the API (in SQL) still works', async () => {
      // The control for every case below: without invalidation a change is not seen.
      const user = await registerUser(t.http);
      const pat = await createPat(t, user, ['read']);
      expect(await meStatus(t, pat.auth)).toBe(200);
      await t.app
        .get(DataSource)
        .query('UPDATE personal_access_tokens SET revoked_at = now() WHERE id = $1', [pat.id]);
      expect(await meStatus(t, pat.auth)).toBe(200);
    });

    it('a revoked personal access token answers 401 at the next request', async () => {
      const user = await registerUser(t.http);
      const pat = await createPat(t, user, ['read', 'llm:invoke']);
      expect(await meStatus(t, pat.auth)).toBe(200);
      expect((await t.http().get('/v1/models').set(pat.auth)).status).toBe(200);

      await t.http().delete(`/api/auth/tokens/${pat.id}`).set(user.auth).expect(204);

      expectProblem(await t.http().get('/api/auth/me').set(pat.auth), 401);
      expect((await t.http().get('/v1/models').set(pat.auth)).status).toBe(401);
      // The owner's other credentials are untouched.
      expect(await meStatus(t, user.auth)).toBe(200);
    });

    it("a refreshed session's new expiry is seen at once (a cached row does not expire it early)", async () => {
      const user = await registerUser(t.http);
      const sid = sessionIdOf(user.accessToken);
      // The session is about to expire; the check caches its row with that expiry.
      await t.app
        .get(DataSource)
        .query(`UPDATE web_sessions SET expires_at = now() + interval '1500 milliseconds' WHERE id = $1`, [
          sid,
        ]);
      expect(await meStatus(t, user.auth)).toBe(200);

      const refreshed = await t
        .http()
        .post('/api/auth/refresh')
        .send({ refreshToken: user.refreshToken })
        .expect(200);
      await sleep(1700);

      expect(await meStatus(t, bearer(refreshed.body.accessToken as string))).toBe(200);
    });

    it('an access token answers 401 right after logout', async () => {
      const user = await registerUser(t.http);
      expect(await meStatus(t, user.auth)).toBe(200);
      await t.http().post('/api/auth/logout').set(user.auth).expect(204);
      expectProblem(await t.http().get('/api/auth/me').set(user.auth), 401);
    });

    it("a revoked web session's access token answers 401; the revoking session keeps working", async () => {
      const user = await registerUser(t.http);
      const login = await t
        .http()
        .post('/api/auth/login')
        .send({ email: user.email, password: user.password })
        .expect(200);
      const other = bearer((login.body as { accessToken: string }).accessToken);
      expect(await meStatus(t, other)).toBe(200);
      expect(await meStatus(t, user.auth)).toBe(200);

      await t
        .http()
        .delete(`/api/auth/sessions/${sessionIdOf(other.Authorization.slice('Bearer '.length))}`)
        .set(user.auth)
        .expect(204);

      expectProblem(await t.http().get('/api/auth/me').set(other), 401);
      expect(await meStatus(t, user.auth)).toBe(200);
    });

    it('after a password change the earlier access tokens and PATs answer 401', async () => {
      const user = await registerUser(t.http);
      const pat = await createPat(t, user, ['read']);
      expect(await meStatus(t, user.auth)).toBe(200);
      expect(await meStatus(t, pat.auth)).toBe(200);

      await t
        .http()
        .post('/api/auth/password')
        .set(user.auth)
        .send({ currentPassword: user.password, newPassword: 'a brand new password' })
        .expect(204);

      expectProblem(await t.http().get('/api/auth/me').set(user.auth), 401);
      expectProblem(await t.http().get('/api/auth/me').set(pat.auth), 401);
    });

    it('an administrator demoted by another one gets 403 on admin routes with the same token, 200 once promoted again', async () => {
      const demoting = await registerAdmin(t);
      const demoted = await registerAdmin(t);
      expect((await t.http().get('/api/users').set(demoted.auth)).status).toBe(200);

      await t.http().patch(`/api/users/${demoted.id}`).set(demoting.auth).send({ role: 'user' }).expect(200);

      expectProblem(await t.http().get('/api/users').set(demoted.auth), 403);
      expect(await meStatus(t, demoted.auth)).toBe(200);

      await t.http().patch(`/api/users/${demoted.id}`).set(demoting.auth).send({ role: 'admin' }).expect(200);
      expect((await t.http().get('/api/users').set(demoted.auth)).status).toBe(200);
    });

    it("a deactivated user's access token and PAT answer 401 at the next request", async () => {
      const admin = await registerAdmin(t);
      const user = await registerUser(t.http);
      const pat = await createPat(t, user, ['read']);
      expect(await meStatus(t, user.auth)).toBe(200);
      expect(await meStatus(t, pat.auth)).toBe(200);

      await t.http().patch(`/api/users/${user.id}`).set(admin.auth).send({ isActive: false }).expect(200);

      expectProblem(await t.http().get('/api/auth/me').set(user.auth), 401);
      expectProblem(await t.http().get('/api/auth/me').set(pat.auth), 401);
    });
  });

  describe('LLM model lookups', () => {
    it('are really cached: a model deleted behind the API (in SQL) still answers until the catalog changes', async () => {
      // The control for every case below: without invalidation a change is not seen.
      const s = await llmSetup(t, first);
      expect((await chat(t, s.pat.auth, s.qualified)).status).toBe(200);
      await t.app.get(DataSource).query('DELETE FROM llm_models WHERE id = $1', [s.model.id]);
      expect((await chat(t, s.pat.auth, s.qualified)).status).toBe(200);

      // Any change to the catalog, even to another model, drops every cached lookup.
      await createLlmModel(t.http, s.user.auth, s.service.id, { name: 'unrelated' });
      expectModelNotFound(await chat(t, s.pat.auth, s.qualified), s.qualified);
    });

    it('/v1/chat/completions answers 404 model_not_found right after the model is deleted', async () => {
      const s = await llmSetup(t, first);
      expect((await chat(t, s.pat.auth, s.qualified)).status).toBe(200);
      expect((await t.http().get(`/v1/models/${s.qualified}`).set(s.pat.auth)).status).toBe(200);

      await t.http().delete(`/api/llm/models/${s.model.id}`).set(s.user.auth).expect(204);

      expectModelNotFound(await chat(t, s.pat.auth, s.qualified), s.qualified);
      expect((await t.http().get(`/v1/models/${s.qualified}`).set(s.pat.auth)).status).toBe(404);
      expect(first.requests).toHaveLength(1);
    });

    it('a renamed service answers under its new name only', async () => {
      const s = await llmSetup(t, first);
      expect((await chat(t, s.pat.auth, s.qualified)).status).toBe(200);

      const name = uniqueServiceName('renamed');
      await t.http().patch(`/api/llm/services/${s.service.id}`).set(s.user.auth).send({ name }).expect(200);

      expectModelNotFound(await chat(t, s.pat.auth, s.qualified), s.qualified);
      expect((await chat(t, s.pat.auth, `${name}/gpt-fake`)).status).toBe(200);
    });

    it('a renamed model answers under its new name only', async () => {
      const s = await llmSetup(t, first);
      expect((await chat(t, s.pat.auth, s.qualified)).status).toBe(200);

      await t
        .http()
        .patch(`/api/llm/models/${s.model.id}`)
        .set(s.user.auth)
        .send({ name: 'gpt-next' })
        .expect(200);

      expectModelNotFound(await chat(t, s.pat.auth, s.qualified), s.qualified);
      const renamed = await chat(t, s.pat.auth, `${s.service.name}/gpt-next`);
      expect(renamed.status).toBe(200);
      expect(first.requests.map((r) => (r.body as { model: string }).model)).toEqual([
        'gpt-fake',
        'gpt-next',
      ]);
    });

    it("the next call goes to the service's new baseUrl", async () => {
      const s = await llmSetup(t, first);
      expect((await chat(t, s.pat.auth, s.qualified)).status).toBe(200);
      expect(first.requests).toHaveLength(1);

      await t
        .http()
        .patch(`/api/llm/services/${s.service.id}`)
        .set(s.user.auth)
        .send({ baseUrl: second.url })
        .expect(200);

      second.script({ content: 'from the second fake' });
      const res = await chat(t, s.pat.auth, s.qualified);
      expect(res.status).toBe(200);
      expect((res.body as { choices: { message: { content: string } }[] }).choices[0].message.content).toBe(
        'from the second fake',
      );
      expect(first.requests).toHaveLength(1);
      expect(second.requests).toHaveLength(1);
    });

    it('a model switched to embedding stops answering chats at once', async () => {
      const s = await llmSetup(t, first);
      expect((await chat(t, s.pat.auth, s.qualified)).status).toBe(200);

      await t
        .http()
        .patch(`/api/llm/models/${s.model.id}`)
        .set(s.user.auth)
        .send({ modality: 'embedding' })
        .expect(200);

      const res = await chat(t, s.pat.auth, s.qualified);
      expect(res.status).toBe(400);
      expect((res.body as { error: { param: string } }).error.param).toBe('model');
    });

    it('a deleted service takes its models with it', async () => {
      const s = await llmSetup(t, first);
      expect((await chat(t, s.pat.auth, s.qualified)).status).toBe(200);
      expect((await invoke(t, s.user.auth, s.model.id)).status).toBe(200);

      await t.http().delete(`/api/llm/services/${s.service.id}`).set(s.user.auth).expect(204);

      expectModelNotFound(await chat(t, s.pat.auth, s.qualified), s.qualified);
      expectProblem(await invoke(t, s.user.auth, s.model.id), 404);
    });

    it('/api/llm/invoke by modelId answers 404 right after the model is deleted', async () => {
      const s = await llmSetup(t, first);
      const ok = await invoke(t, s.user.auth, s.model.id);
      expect(ok.status).toBe(200);

      await t.http().delete(`/api/llm/models/${s.model.id}`).set(s.user.auth).expect(204);

      expectProblem(await invoke(t, s.user.auth, s.model.id), 404);
      expect(first.requests).toHaveLength(1);
    });
  });
});

describe('with CACHE_TTL_SECONDS=0', () => {
  let t: TestApp;
  let fake: OpenAiFake;

  beforeAll(async () => {
    fake = await startOpenAiFake();
    t = await bootApp({ CACHE_TTL_SECONDS: '0' });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('a revoked personal access token answers 401 at the next request', async () => {
    const user = await registerUser(t.http);
    const pat = await createPat(t, user, ['read']);
    expect(await meStatus(t, pat.auth)).toBe(200);
    await t.http().delete(`/api/auth/tokens/${pat.id}`).set(user.auth).expect(204);
    expectProblem(await t.http().get('/api/auth/me').set(pat.auth), 401);
  });

  it('nothing is kept: changes made behind the API (in SQL) are seen at the next request', async () => {
    const user = await registerUser(t.http);
    const pat = await createPat(t, user, ['read']);
    expect(await meStatus(t, pat.auth)).toBe(200);
    await t.app
      .get(DataSource)
      .query('UPDATE personal_access_tokens SET revoked_at = now() WHERE id = $1', [pat.id]);
    expect(await meStatus(t, pat.auth)).toBe(401);

    const s = await llmSetup(t, fake);
    expect((await chat(t, s.pat.auth, s.qualified)).status).toBe(200);
    await t.app.get(DataSource).query('DELETE FROM llm_models WHERE id = $1', [s.model.id]);
    expectModelNotFound(await chat(t, s.pat.auth, s.qualified), s.qualified);
  });
});

describeWithRedis('with CACHE_TTL_SECONDS=300 on two instances (one PostgreSQL, one Redis)', () => {
  let a: TestApp;
  let b: TestApp;
  let fake: OpenAiFake;

  beforeAll(async () => {
    fake = await startOpenAiFake();
    // One deployment: both instances share the Redis key prefix.
    const shared = { ...LONG_TTL, REDIS_KEY_PREFIX: `threadline-test:${randomUUID()}:` };
    a = await bootApp(shared);
    b = await bootApp(shared);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await fake.close();
  });

  it('a PAT revoked on A answers 401 on B within 2 s', async () => {
    const user = await registerUser(a.http);
    const pat = await createPat(a, user, ['read']);
    expect(await meStatus(b, pat.auth)).toBe(200);
    expect(await meStatus(b, pat.auth)).toBe(200);

    await a.http().delete(`/api/auth/tokens/${pat.id}`).set(user.auth).expect(204);

    expect(await meStatus(a, pat.auth)).toBe(401);
    expect(await statusWithin(() => meStatus(b, pat.auth), 401)).toBe(401);
  });

  it('an access token logged out on A answers 401 on B within 2 s', async () => {
    const user = await registerUser(a.http);
    expect(await meStatus(b, user.auth)).toBe(200);
    await a.http().post('/api/auth/logout').set(user.auth).expect(204);
    expect(await statusWithin(() => meStatus(b, user.auth), 401)).toBe(401);
  });

  it('an administrator demoted on A gets 403 on B within 2 s', async () => {
    const demoting = await registerAdmin(a);
    const demoted = await registerAdmin(a);
    const usersStatus = async (): Promise<number> =>
      (await b.http().get('/api/users').set(demoted.auth)).status;
    expect(await usersStatus()).toBe(200);

    await a.http().patch(`/api/users/${demoted.id}`).set(demoting.auth).send({ role: 'user' }).expect(200);

    expect(await statusWithin(usersStatus, 403)).toBe(403);
  });

  it('a model deleted on A answers 404 on B within 2 s', async () => {
    const s = await llmSetup(a, fake);
    expect((await chat(b, s.pat.auth, s.qualified)).status).toBe(200);
    expect((await chat(b, s.pat.auth, s.qualified)).status).toBe(200);

    await a.http().delete(`/api/llm/models/${s.model.id}`).set(s.user.auth).expect(204);

    expect(await statusWithin(async () => (await chat(b, s.pat.auth, s.qualified)).status, 404)).toBe(404);
    expectModelNotFound(await chat(b, s.pat.auth, s.qualified), s.qualified);
  });
});
