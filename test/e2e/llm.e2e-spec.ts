/**
 * SPEC §10: LLM services and models (owner scope, global services for
 * administrators, API keys encrypted and never shown or logged) and
 * POST /api/llm/invoke against loopback fakes of OpenAI and Anthropic
 * (completion, streaming, upstream failures, client abort).
 */
import { DataSource } from 'typeorm';
import { UsersService } from '../../src/users/users.service';
import { AnthropicFake, startAnthropicFake } from '../fakes/anthropic-fake';
import { OpenAiFake, startOpenAiFake } from '../fakes/openai-fake';
import type { FakeServer } from '../fakes/fake-script';
import {
  createLlmModel,
  createLlmService,
  CreatedLlmModel,
  CreatedLlmService,
  uniqueServiceName,
} from '../factories/llm';
import { registerUser, RegisteredUser } from '../factories/users';
import { bootApp, TestApp } from './support/app';
import { expectProblem, problemFields } from './support/problem';
import { parseSse } from './support/sse';

const TIMEOUT_MS = 1000;
const API_KEY = 'sk-e2e-SECRET-4f9b2c7d1e8a6b3c-WXYZ';
const ANTHROPIC_KEY = 'sk-ant-e2e-SECRET-8c1d2e3f4a5b-QRST';
const MISSING = '00000000-0000-4000-8000-000000000000';
const SERVICE_KEYS = [
  'apiKeyLast4',
  'authRef',
  'baseUrl',
  'createdAt',
  'global',
  'hasApiKey',
  'id',
  'name',
  'ownerId',
  'provider',
  'updatedAt',
];

let t: TestApp;
let openai: OpenAiFake;
let anthropic: AnthropicFake;
let owner: RegisteredUser;
let stranger: RegisteredUser;
let admin: RegisteredUser;
let service: CreatedLlmService;
let model: CreatedLlmModel;
const logLines: string[] = [];

beforeAll(async () => {
  openai = await startOpenAiFake({ apiKey: API_KEY });
  anthropic = await startAnthropicFake({ apiKey: ANTHROPIC_KEY });
  t = await bootApp(
    { LLM_TIMEOUT_MS: String(TIMEOUT_MS), LOG_LEVEL: 'trace' },
    { logSink: { write: (line: string) => void logLines.push(line) } },
  );
  [owner, stranger, admin] = await Promise.all([
    registerUser(t.http),
    registerUser(t.http),
    registerUser(t.http),
  ]);
  await t.app.get(UsersService).update(admin.id, { role: 'admin' });
  service = await createLlmService(t.http, owner.auth, {
    name: uniqueServiceName('fake'),
    baseUrl: openai.url,
    apiKey: API_KEY,
  });
  model = await createLlmModel(t.http, owner.auth, service.id, { name: 'gpt-fake', contextWindow: 128000 });
});
afterEach(() => {
  openai.reset();
  anthropic.reset();
});
afterAll(async () => {
  await t.close();
  await openai.close();
  await anthropic.close();
  // Every log line written during the file, at trace level, is free of the keys.
  const all = logLines.join('');
  expect(all.length).toBeGreaterThan(0);
  expect(all).not.toContain(API_KEY);
  expect(all).not.toContain(ANTHROPIC_KEY);
});

const invoke = (user: RegisteredUser, body: Record<string, unknown>) =>
  t.http().post('/api/llm/invoke').set(user.auth).send(body);

/** A streamed invoke read to its end with fetch (supertest buffers SSE poorly). */
async function invokeStream(user: RegisteredUser, body: Record<string, unknown>) {
  const res = await fetch(`${t.url}/api/llm/invoke`, {
    method: 'POST',
    headers: { ...user.auth, 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, events: parseSse(text) };
}

/**
 * The provider reports an error event after two of `deltas`: the caller gets those two
 * deltas, then one error event whose detail is the provider's own message; no retry.
 */
async function expectProviderErrorMidStream(
  fake: FakeServer,
  modelId: string,
  deltas: string[],
): Promise<void> {
  const providerMessage = `The model gave up after ${deltas[1]}`;
  fake.script({ deltas, errorAfterDeltas: 2, streamErrorMessage: providerMessage });
  const { status, events } = await invokeStream(owner, {
    modelId,
    messages: [{ role: 'user', content: 'Hello' }],
  });
  expect(status).toBe(200);
  expect(events.map((e) => e.event)).toEqual(['message', 'message', 'error']);
  expect(events.slice(0, 2).map((e) => e.data)).toEqual([{ delta: deltas[0] }, { delta: deltas[1] }]);
  expect(events[2].data).toEqual(
    expect.objectContaining({
      status: 502,
      title: 'Bad Gateway',
      instance: '/api/llm/invoke',
      // The provider's message alone, not the client's JSON rendering of the whole body.
      detail: `The provider reported an error: ${providerMessage}`,
    }),
  );
  // An error the provider reported after its 200 is not retried.
  expect(fake.requests).toHaveLength(1);
}

/** The client leaves after the first delta of a long stream: the provider sees its connection closed. */
async function expectAbortReachesProvider(fake: FakeServer, modelId: string): Promise<void> {
  fake.script({ deltas: Array.from({ length: 50 }, (_, i) => `d${i} `), interDeltaMs: 100 });
  const controller = new AbortController();
  const res = await fetch(`${t.url}/api/llm/invoke`, {
    method: 'POST',
    headers: { ...owner.auth, 'content-type': 'application/json' },
    body: JSON.stringify({ modelId, messages: [{ role: 'user', content: 'x' }], stream: true }),
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const first = await reader.read();
  expect(new TextDecoder().decode(first.value)).toContain('"delta":"d0 "');
  controller.abort();
  await expect(fake.waitForClosedConnection(3000)).resolves.toBeGreaterThanOrEqual(1);
}

describe('LLM services', () => {
  it('creates a service showing hasApiKey and the last 4 characters, never the key', async () => {
    const res = await t
      .http()
      .post('/api/llm/services')
      .set(owner.auth)
      .send({ name: 'My OpenAI', provider: 'openai', baseUrl: `${openai.url}/`, apiKey: API_KEY });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body as object).sort()).toEqual(SERVICE_KEYS);
    expect(res.body).toMatchObject({
      name: 'My OpenAI',
      provider: 'openai',
      baseUrl: openai.url,
      hasApiKey: true,
      apiKeyLast4: 'WXYZ',
      authRef: null,
      ownerId: owner.id,
      global: false,
    });
    expect(res.text).not.toContain(API_KEY);
  });

  it('stores the key encrypted (AES-256-GCM, versioned, key id), with no plaintext in the row', async () => {
    const rows = (await t.app
      .get(DataSource)
      .query('SELECT * FROM llm_services WHERE id = $1', [service.id])) as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    const row = JSON.stringify(rows[0]);
    expect(row).not.toContain(API_KEY);
    expect(row).not.toContain(API_KEY.slice(0, 20));
    expect(row).not.toContain(Buffer.from(API_KEY).toString('base64').slice(0, 20));
    const sealed = rows[0].api_key_encrypted as string;
    const [version, keyId, iv, tag, ciphertext] = sealed.split(':');
    expect(version).toBe('v1');
    expect(keyId).toMatch(/^[A-Za-z0-9_-]{8,}$/);
    expect(Buffer.from(iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(tag, 'base64')).toHaveLength(16);
    expect(Buffer.from(ciphertext, 'base64')).toHaveLength(Buffer.byteLength(API_KEY));
  });

  it('seals the same key differently each time (random IV)', async () => {
    const other = await createLlmService(t.http, owner.auth, { baseUrl: openai.url, apiKey: API_KEY });
    const rows = (await t.app
      .get(DataSource)
      .query('SELECT api_key_encrypted FROM llm_services WHERE id IN ($1, $2)', [service.id, other.id])) as {
      api_key_encrypted: string;
    }[];
    expect(rows).toHaveLength(2);
    expect(rows[0].api_key_encrypted).not.toBe(rows[1].api_key_encrypted);
  });

  it('lists own and global services, paginated, never with the key', async () => {
    const global = await createLlmService(t.http, admin.auth, { baseUrl: openai.url, global: true });
    const first = await t.http().get('/api/llm/services?limit=1').set(stranger.auth);
    expect(first.status).toBe(200);
    // Newest first; other files' global services (a shared PostgreSQL) may follow on later pages.
    expect((first.body as { items: unknown[] }).items).toEqual([
      expect.objectContaining({ id: global.id, global: true }),
    ]);

    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await t
        .http()
        .get(`/api/llm/services?limit=1${cursor ? `&cursor=${cursor}` : ''}`)
        .set(owner.auth);
      expect(page.status).toBe(200);
      expect(page.text).not.toContain(API_KEY);
      const body = page.body as { items: CreatedLlmService[]; nextCursor: string | null };
      ids.push(...body.items.map((s) => s.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(ids).toContain(service.id);
    expect(ids).toContain(global.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.indexOf(global.id)).toBeLessThan(ids.indexOf(service.id));
  });

  it("answers 404 for someone else's service on every route", async () => {
    for (const [method, path] of [
      ['get', `/api/llm/services/${service.id}`],
      ['patch', `/api/llm/services/${service.id}`],
      ['delete', `/api/llm/services/${service.id}`],
      ['get', `/api/llm/services/${service.id}/models`],
      ['post', `/api/llm/services/${service.id}/models`],
      ['get', `/api/llm/models/${model.id}`],
      ['patch', `/api/llm/models/${model.id}`],
      ['delete', `/api/llm/models/${model.id}`],
      ['get', `/api/llm/services/${MISSING}`],
    ] as const) {
      const body = method === 'patch' ? { name: 'x' } : method === 'post' ? { name: 'm' } : undefined;
      const res = await t.http()[method](path).set(stranger.auth).send(body);
      expectProblem(res, 404);
    }
    const invoked = await invoke(stranger, {
      modelId: model.id,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expectProblem(invoked, 404);
    expect(openai.requests).toHaveLength(0);
  });

  it('answers 409 for a second service of the same name of one owner, not across owners', async () => {
    const name = uniqueServiceName('dup');
    await createLlmService(t.http, owner.auth, { name, baseUrl: openai.url });
    const again = await t
      .http()
      .post('/api/llm/services')
      .set(owner.auth)
      .send({ name, provider: 'openai-compatible', baseUrl: openai.url });
    expectProblem(again, 409);
    await createLlmService(t.http, stranger.auth, { name, baseUrl: openai.url });
    const other = await createLlmService(t.http, owner.auth, { baseUrl: openai.url });
    const renamed = await t.http().patch(`/api/llm/services/${other.id}`).set(owner.auth).send({ name });
    expectProblem(renamed, 409);
  });

  it('validates the body with per-field errors', async () => {
    for (const [body, field] of [
      [{ provider: 'openai-compatible', baseUrl: openai.url }, 'name'],
      [{ name: 'a/b', provider: 'openai-compatible', baseUrl: openai.url }, 'name'],
      [{ name: 'x', provider: 'gemini', baseUrl: openai.url }, 'provider'],
      [{ name: 'x', provider: 'openai-compatible' }, 'baseUrl'],
      [{ name: 'x', provider: 'openai', baseUrl: openai.url }, 'apiKey'],
      [{ name: 'x', provider: 'openai-compatible', baseUrl: openai.url, apiKey: '' }, 'apiKey'],
      [{ name: 'x', provider: 'openai-compatible', baseUrl: openai.url, authRef: 'not a name' }, 'authRef'],
      [{ name: 'x', provider: 'openai-compatible', baseUrl: 'ftp://example.com' }, 'baseUrl'],
      [{ name: 'x', provider: 'openai-compatible', baseUrl: openai.url, extra: 1 }, 'extra'],
    ] as [Record<string, unknown>, string][]) {
      const res = await t.http().post('/api/llm/services').set(owner.auth).send(body);
      expectProblem(res, 400);
      expect(problemFields(res)).toEqual([field]);
    }
  });

  it('patches fields, replaces and removes the key, and keeps it write-only', async () => {
    const s = await createLlmService(t.http, owner.auth, {
      baseUrl: openai.url,
      apiKey: 'sk-first-key-1111',
    });
    const renamed = await t
      .http()
      .patch(`/api/llm/services/${s.id}`)
      .set(owner.auth)
      .send({ name: `${s.name}-2`, apiKey: 'sk-second-key-2222' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: `${s.name}-2`, hasApiKey: true, apiKeyLast4: '2222' });
    expect(renamed.text).not.toContain('sk-second-key');
    // A short key would be given away whole by its last four characters: no hint at all.
    const short = await t.http().patch(`/api/llm/services/${s.id}`).set(owner.auth).send({ apiKey: 'sk-x' });
    expect(short.body).toMatchObject({ hasApiKey: true, apiKeyLast4: null });
    expect(short.text).not.toContain('sk-x');
    const cleared = await t.http().patch(`/api/llm/services/${s.id}`).set(owner.auth).send({ apiKey: null });
    expect(cleared.body).toMatchObject({ hasApiKey: false, apiKeyLast4: null });
    const nulled = await t.http().patch(`/api/llm/services/${s.id}`).set(owner.auth).send({ name: null });
    expectProblem(nulled, 400);
    expect((await t.http().get(`/api/llm/services/${s.id}`).set(owner.auth)).body).toMatchObject({
      name: `${s.name}-2`,
    });
  });

  it('reserves authRef (the server environment) to administrators', async () => {
    const res = await t.http().post('/api/llm/services').set(owner.auth).send({
      name: uniqueServiceName(),
      provider: 'openai-compatible',
      baseUrl: openai.url,
      authRef: 'SOME_KEY',
    });
    expectProblem(res, 403);
    const both = await t.http().post('/api/llm/services').set(admin.auth).send({
      name: 'x',
      provider: 'openai-compatible',
      baseUrl: openai.url,
      apiKey: 'k',
      authRef: 'SOME_KEY',
    });
    expectProblem(both, 400);
  });

  it('reads an authRef key from the environment at call time', async () => {
    const variable = `THREADLINE_E2E_KEY_${Date.now()}`;
    const s = await createLlmService(t.http, admin.auth, {
      baseUrl: openai.url,
      apiKey: undefined,
      authRef: variable,
    });
    expect(s).toMatchObject({ hasApiKey: false, apiKeyLast4: null, authRef: variable });
    const m = await createLlmModel(t.http, admin.auth, s.id);
    const missing = await invoke(admin, { modelId: m.id, messages: [{ role: 'user', content: 'hi' }] });
    expectProblem(missing, 502);
    process.env[variable] = API_KEY;
    try {
      const ok = await invoke(admin, { modelId: m.id, messages: [{ role: 'user', content: 'hi' }] });
      expect(ok.status).toBe(200);
      expect(openai.requests[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
    } finally {
      delete process.env[variable];
    }
  });

  it('deletes a service and its models', async () => {
    const s = await createLlmService(t.http, owner.auth, { baseUrl: openai.url });
    const m = await createLlmModel(t.http, owner.auth, s.id);
    const res = await t.http().delete(`/api/llm/services/${s.id}`).set(owner.auth);
    expect(res.status).toBe(204);
    expectProblem(await t.http().get(`/api/llm/services/${s.id}`).set(owner.auth), 404);
    expectProblem(await t.http().get(`/api/llm/models/${m.id}`).set(owner.auth), 404);
  });
});

describe('global services', () => {
  let global: CreatedLlmService;
  let globalModel: CreatedLlmModel;

  beforeAll(async () => {
    global = await createLlmService(t.http, admin.auth, {
      name: uniqueServiceName('global'),
      baseUrl: openai.url,
      apiKey: API_KEY,
      ownerId: null,
    });
    globalModel = await createLlmModel(t.http, admin.auth, global.id, { name: 'gpt-fake-mini' });
  });

  it('is created by administrators only', async () => {
    expect(global).toMatchObject({ ownerId: null, global: true });
    for (const extra of [{ global: true }, { ownerId: null }]) {
      const res = await t
        .http()
        .post('/api/llm/services')
        .set(owner.auth)
        .send({ name: uniqueServiceName(), provider: 'openai-compatible', baseUrl: openai.url, ...extra });
      expectProblem(res, 403);
    }
  });

  it('is visible to and usable by everyone, changed by administrators only', async () => {
    expect((await t.http().get(`/api/llm/services/${global.id}`).set(stranger.auth)).status).toBe(200);
    for (const [method, path, body] of [
      ['patch', `/api/llm/services/${global.id}`, { name: 'taken-over' }],
      ['delete', `/api/llm/services/${global.id}`, undefined],
      ['post', `/api/llm/services/${global.id}/models`, { name: 'm' }],
      ['patch', `/api/llm/models/${globalModel.id}`, { supportsTools: true }],
      ['delete', `/api/llm/models/${globalModel.id}`, undefined],
    ] as const) {
      expectProblem(await t.http()[method](path).set(stranger.auth).send(body), 403);
    }
    const patched = await t
      .http()
      .patch(`/api/llm/models/${globalModel.id}`)
      .set(admin.auth)
      .send({ supportsTools: true });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ supportsTools: true });

    openai.script({ content: 'global answer' });
    const res = await invoke(stranger, {
      modelId: globalModel.id,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ message: { role: 'assistant', content: 'global answer' } });
  });
});

describe('LLM models', () => {
  it('creates models with defaults and lists them per service and across usable services', async () => {
    expect(model).toMatchObject({
      serviceId: service.id,
      serviceName: service.name,
      name: 'gpt-fake',
      modality: 'chat',
      supportsTools: false,
      contextWindow: 128000,
    });
    const embed = await createLlmModel(t.http, owner.auth, service.id, {
      name: 'embed-fake',
      modality: 'embedding',
    });
    const perService = await t.http().get(`/api/llm/services/${service.id}/models`).set(owner.auth);
    expect(perService.status).toBe(200);
    expect((perService.body as { items: CreatedLlmModel[] }).items.map((m) => m.id)).toEqual([
      embed.id,
      model.id,
    ]);

    const mine = await t.http().get('/api/llm/models?limit=100').set(owner.auth);
    const mineIds = (mine.body as { items: CreatedLlmModel[] }).items.map((m) => m.id);
    expect(mineIds).toEqual(expect.arrayContaining([model.id, embed.id]));
    const theirs = await t.http().get('/api/llm/models?limit=100').set(stranger.auth);
    expect((theirs.body as { items: CreatedLlmModel[] }).items.map((m) => m.id)).not.toContain(model.id);

    const dup = await t
      .http()
      .post(`/api/llm/services/${service.id}/models`)
      .set(owner.auth)
      .send({ name: 'gpt-fake' });
    expectProblem(dup, 409);
    const bad = await t
      .http()
      .post(`/api/llm/services/${service.id}/models`)
      .set(owner.auth)
      .send({ name: 'x', modality: 'image', contextWindow: 0 });
    expectProblem(bad, 400);
    expect(problemFields(bad).sort()).toEqual(['contextWindow', 'modality']);

    const patched = await t
      .http()
      .patch(`/api/llm/models/${embed.id}`)
      .set(owner.auth)
      .send({ contextWindow: 8192 });
    expect(patched.body).toMatchObject({ contextWindow: 8192, modality: 'embedding' });
    const notChat = await invoke(owner, { modelId: embed.id, messages: [{ role: 'user', content: 'hi' }] });
    expectProblem(notChat, 400);
    expect((await t.http().delete(`/api/llm/models/${embed.id}`).set(owner.auth)).status).toBe(204);
    expectProblem(await t.http().get(`/api/llm/models/${embed.id}`).set(owner.auth), 404);
  });
});

describe('POST /api/llm/invoke', () => {
  const messages = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Say hello' },
  ];

  it("returns the provider's completion and usage, sending the decrypted key upstream", async () => {
    openai.script({ content: 'Hello there!', usage: { prompt: 12, completion: 3 } });
    const res = await invoke(owner, { modelId: model.id, messages, temperature: 0.3, maxTokens: 50 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      message: { role: 'assistant', content: 'Hello there!' },
      usage: { promptTokens: 12, completionTokens: 3, totalTokens: 15 },
    });
    expect(res.text).not.toContain(API_KEY);
    const [request] = openai.requests;
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request.body).toMatchObject({ model: 'gpt-fake', messages, temperature: 0.3, max_tokens: 50 });
  });

  it('validates the request', async () => {
    const res = await invoke(owner, {
      modelId: 'nope',
      messages: [{ role: 'robot', content: 1 }],
      temperature: 3,
    });
    expectProblem(res, 400);
    expect(problemFields(res).sort()).toEqual([
      'messages[0].content',
      'messages[0].role',
      'modelId',
      'temperature',
    ]);
    expectProblem(await invoke(owner, { modelId: MISSING, messages }), 404);
  });

  it("streams the provider's deltas in order, then done with the message and usage", async () => {
    const deltas = ['One', ' two', ' three', ' — ', 'four', '\nfive'];
    openai.script({ deltas, usage: { prompt: 7, completion: 6 } });
    const { status, headers, events } = await invokeStream(owner, { modelId: model.id, messages });
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(headers.get('x-request-id')).toBeTruthy();
    const deltaEvents = events.filter((e) => e.event === 'message');
    expect(deltaEvents.map((e) => e.data)).toEqual(deltas.map((delta) => ({ delta })));
    expect(events[events.length - 1]).toMatchObject({
      event: 'done',
      data: {
        message: { role: 'assistant', content: deltas.join('') },
        usage: { promptTokens: 7, completionTokens: 6, totalTokens: 13 },
      },
    });
    expect(openai.requests[0].body).toMatchObject({ stream: true });
  });

  it('maps an upstream 500 to 502, without retrying it', async () => {
    openai.script({ status: 500 });
    expectProblem(await invoke(owner, { modelId: model.id, messages }), 502);
    expect(openai.requests).toHaveLength(1);
    openai.script({ status: 500 });
    const streamed = await invokeStream(owner, { modelId: model.id, messages });
    expect(streamed.status).toBe(502);
  });

  it("maps an upstream 429 to 429 with the provider's Retry-After", async () => {
    openai.script({ status: 429, headers: { 'retry-after': '17' } });
    const res = await invoke(owner, { modelId: model.id, messages });
    expectProblem(res, 429);
    expect(res.headers['retry-after']).toBe('17');
    expect(openai.requests).toHaveLength(1);
  });

  it('maps an upstream that never answers to 504 within the configured timeout', async () => {
    openai.script({ hang: true });
    const started = Date.now();
    const res = await invoke(owner, { modelId: model.id, messages });
    const elapsed = Date.now() - started;
    expectProblem(res, 504);
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500);
    await openai.waitForClosedConnection();
  });

  it('refuses a non-streamed answer past 16 MB with 502, without retrying or holding it', async () => {
    openai.script({ content: 'x'.repeat(17 * 1024 * 1024) });
    const res = await invoke(owner, { modelId: model.id, messages });
    expect(expectProblem(res, 502).detail).toMatch(/too large/);
    expect(openai.requests).toHaveLength(1);
  });

  it('ends a stream whose event passes 1 MB with an error event (502)', async () => {
    openai.script({ deltas: ['fine', 'y'.repeat(1024 * 1024 + 10), 'never'] });
    const { status, events } = await invokeStream(owner, { modelId: model.id, messages });
    expect(status).toBe(200);
    expect(events.map((e) => e.event)).toEqual(['message', 'error']);
    expect(events[0].data).toEqual({ delta: 'fine' });
    expect(events[1].data).toMatchObject({ status: 502, detail: expect.stringMatching(/too large/) });
  });

  it('ends a stream that goes idle with an error event (504)', async () => {
    openai.script({ deltas: ['a', 'b'], interDeltaMs: TIMEOUT_MS * 3 });
    const { status, events } = await invokeStream(owner, { modelId: model.id, messages });
    expect(status).toBe(200);
    expect(events.map((e) => e.event)).toEqual(['message', 'error']);
    expect(events[1].data).toMatchObject({ status: 504, title: 'Gateway Timeout' });
  });

  it('maps an unreachable provider to 502 after one retry', async () => {
    const gone = await startOpenAiFake();
    const s = await createLlmService(t.http, owner.auth, { baseUrl: gone.url });
    const m = await createLlmModel(t.http, owner.auth, s.id);
    await gone.close();
    expectProblem(await invoke(owner, { modelId: m.id, messages }), 502);
  });

  it('sends an error event when the provider drops mid-stream', async () => {
    openai.script({ deltas: ['a', 'b', 'c', 'd'], dropAfterDeltas: 2 });
    const { status, events } = await invokeStream(owner, { modelId: model.id, messages });
    expect(status).toBe(200);
    expect(events.map((e) => e.event)).toEqual(['message', 'message', 'error']);
    expect(events[2].data).toMatchObject({ status: 502, title: 'Bad Gateway', instance: '/api/llm/invoke' });
  });

  it("sends an error event with the provider's message when it reports an error mid-stream", async () => {
    await expectProviderErrorMidStream(openai, model.id, ['a', 'b', 'c', 'd']);
  });

  it('aborts the upstream request when the client goes away', async () => {
    await expectAbortReachesProvider(openai, model.id);
  });

  it('aborts a non-streamed upstream request when the client goes away', async () => {
    openai.script({ delayMs: 5000, content: 'late' });
    const controller = new AbortController();
    const pending = fetch(`${t.url}/api/llm/invoke`, {
      method: 'POST',
      headers: { ...owner.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ modelId: model.id, messages }),
      signal: controller.signal,
    }).catch((err: unknown) => err);
    while (openai.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await pending;
    await expect(openai.waitForClosedConnection(3000)).resolves.toBeGreaterThanOrEqual(1);
  });
});

describe('Anthropic provider', () => {
  let claude: CreatedLlmModel;

  beforeAll(async () => {
    const s = await createLlmService(t.http, owner.auth, {
      provider: 'anthropic',
      baseUrl: anthropic.sdkBaseURL,
      apiKey: ANTHROPIC_KEY,
    });
    claude = await createLlmModel(t.http, owner.auth, s.id, { name: 'claude-fake' });
  });

  it('completes, with the system prompt moved where Anthropic wants it', async () => {
    anthropic.script({ content: 'Bonjour', usage: { prompt: 9, completion: 2 } });
    const res = await invoke(owner, {
      modelId: claude.id,
      messages: [
        { role: 'system', content: 'Answer in French.' },
        { role: 'user', content: 'Hello' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      message: { role: 'assistant', content: 'Bonjour' },
      usage: { promptTokens: 9, completionTokens: 2, totalTokens: 11 },
    });
    const [request] = anthropic.requests;
    expect(request.path).toBe('/v1/messages');
    // This SDK version sends the key as a bearer token; older ones used x-api-key.
    expect([request.headers['x-api-key'], request.headers.authorization]).toContain(
      request.headers['x-api-key'] ? ANTHROPIC_KEY : `Bearer ${ANTHROPIC_KEY}`,
    );
    expect(request.body).toMatchObject({
      model: 'claude-fake',
      system: 'Answer in French.',
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: expect.any(Number),
    });
  });

  it('streams deltas and usage', async () => {
    anthropic.script({ deltas: ['Bon', 'jour', ' !'], usage: { prompt: 4, completion: 3 } });
    const { status, events } = await invokeStream(owner, {
      modelId: claude.id,
      messages: [{ role: 'user', content: 'Hello' }],
    });
    expect(status).toBe(200);
    expect(events.filter((e) => e.event === 'message').map((e) => e.data)).toEqual([
      { delta: 'Bon' },
      { delta: 'jour' },
      { delta: ' !' },
    ]);
    expect(events[events.length - 1]).toMatchObject({
      event: 'done',
      data: {
        message: { content: 'Bonjour !' },
        usage: { promptTokens: 4, completionTokens: 3, totalTokens: 7 },
      },
    });
  });

  it('maps Anthropic errors too', async () => {
    anthropic.script({ status: 529, errorMessage: 'Overloaded right now' });
    const failed = await invoke(owner, { modelId: claude.id, messages: [{ role: 'user', content: 'x' }] });
    expectProblem(failed, 502);
    // The provider's message, not the client's JSON rendering of Anthropic's error body.
    expect(failed.body.detail).toBe('The provider failed (HTTP 529): Overloaded right now');
    anthropic.script({ status: 429, headers: { 'retry-after': '3' } });
    const limited = await invoke(owner, { modelId: claude.id, messages: [{ role: 'user', content: 'x' }] });
    expectProblem(limited, 429);
    expect(limited.headers['retry-after']).toBe('3');
  });

  it("sends an error event with the provider's message when Anthropic reports an error mid-stream", async () => {
    await expectProviderErrorMidStream(anthropic, claude.id, ['Bon', 'jour', ' !', ' encore']);
  });

  it('sends an error event (502) when Anthropic drops the connection mid-stream', async () => {
    anthropic.script({ deltas: ['a', 'b', 'c', 'd'], dropAfterDeltas: 2 });
    const { status, events } = await invokeStream(owner, {
      modelId: claude.id,
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(status).toBe(200);
    expect(events.map((e) => e.event)).toEqual(['message', 'message', 'error']);
    expect(events[2].data).toMatchObject({ status: 502, title: 'Bad Gateway', instance: '/api/llm/invoke' });
  });

  it("answers a streamed request Anthropic rate-limits with a plain 429 and the provider's Retry-After", async () => {
    anthropic.script({ status: 429, headers: { 'retry-after': '3' } });
    const { status, headers, text } = await invokeStream(owner, {
      modelId: claude.id,
      messages: [{ role: 'user', content: 'x' }],
    });
    // Refused before the stream began: an HTTP error, not an event.
    expect(status).toBe(429);
    expect(headers.get('retry-after')).toBe('3');
    expect(headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(text).not.toMatch(/^(event|data):/m);
    expect(JSON.parse(text)).toMatchObject({ status: 429, title: 'Too Many Requests' });
    expect(anthropic.requests).toHaveLength(1);
  });

  it('aborts the upstream Anthropic request when the client goes away', async () => {
    await expectAbortReachesProvider(anthropic, claude.id);
  });
});
