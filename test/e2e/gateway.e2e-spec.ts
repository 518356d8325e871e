/**
 * SPEC §10 gateway: the official `openai` npm client, pointed at Threadline's
 * /v1 with a personal access token (scope llm:invoke), lists models and gets
 * plain and streamed chat completions from the fake provider, unchanged;
 * errors arrive in OpenAI's shape.
 */
import OpenAI from 'openai';
import { UsersService } from '../../src/users/users.service';
import { OpenAiFake, startOpenAiFake } from '../fakes/openai-fake';
import { createLlmModel, createLlmService, CreatedLlmService, uniqueServiceName } from '../factories/llm';
import { registerUser, RegisteredUser } from '../factories/users';
import { bootApp, TestApp } from './support/app';

let t: TestApp;
let fake: OpenAiFake;
let otherFake: OpenAiFake;
let user: RegisteredUser;
let service: CreatedLlmService;
let client: OpenAI;
let modelId: string;

async function personalToken(owner: RegisteredUser, scopes: string[]): Promise<string> {
  const res = await t.http().post('/api/auth/tokens').set(owner.auth).send({ name: 'gateway', scopes });
  if (res.status !== 201) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { token: string }).token;
}

const clientFor = (apiKey: string): OpenAI => new OpenAI({ apiKey, baseURL: `${t.url}/v1`, maxRetries: 0 });

beforeAll(async () => {
  fake = await startOpenAiFake({ apiKey: 'sk-upstream-gateway-key' });
  otherFake = await startOpenAiFake();
  t = await bootApp({ LLM_TIMEOUT_MS: '1000' });
  user = await registerUser(t.http);
  service = await createLlmService(t.http, user.auth, {
    name: uniqueServiceName('fake'),
    baseUrl: fake.url,
    apiKey: 'sk-upstream-gateway-key',
  });
  await createLlmModel(t.http, user.auth, service.id, { name: 'gpt-fake' });
  await createLlmModel(t.http, user.auth, service.id, { name: 'text-embed', modality: 'embedding' });
  modelId = `${service.name}/gpt-fake`;
  client = clientFor(await personalToken(user, ['llm:invoke']));
});
afterEach(() => {
  fake.reset();
  otherFake.reset();
});
afterAll(async () => {
  await t.close();
  await fake.close();
  await otherFake.close();
});

describe('GET /v1/models', () => {
  it('lists the models the token owner can use as <service>/<model>', async () => {
    // Global services other test files made (on a shared PostgreSQL) are listed too; look at ours.
    const ids: string[] = [];
    for await (const model of client.models.list()) {
      expect(model).toMatchObject({ object: 'model', created: expect.any(Number) });
      if (!model.id.startsWith(`${service.name}/`)) continue;
      expect(model.owned_by).toBe('user');
      ids.push(model.id);
    }
    expect(ids.sort()).toEqual([modelId, `${service.name}/text-embed`].sort());
  });

  it('retrieves one model by its <service>/<model> id, as models.retrieve() sends it', async () => {
    const model = await client.models.retrieve(modelId);
    expect(model).toEqual({ id: modelId, object: 'model', created: expect.any(Number), owned_by: 'user' });
    const unencoded = await t.http().get(`/v1/models/${modelId}`).set(user.auth);
    expect(unencoded.status).toBe(200);
    expect(unencoded.body).toMatchObject({ id: modelId });
    await expect(client.models.retrieve(`${service.name}/nope`)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("lists a name shared by the caller's own service and a global one once, as the caller's", async () => {
    const admin = await registerUser(t.http);
    await t.app.get(UsersService).update(admin.id, { role: 'admin' });
    const shared = uniqueServiceName('shared');
    const globalService = await createLlmService(t.http, admin.auth, {
      name: shared,
      baseUrl: otherFake.url,
      apiKey: 'sk-global-key-0000',
      global: true,
    });
    await createLlmModel(t.http, admin.auth, globalService.id, { name: 'm' });
    const own = await createLlmService(t.http, user.auth, {
      name: shared,
      baseUrl: fake.url,
      apiKey: 'sk-own-key-00000',
    });
    await createLlmModel(t.http, user.auth, own.id, { name: 'm' });
    const listed: OpenAI.Models.Model[] = [];
    for await (const model of client.models.list()) if (model.id === `${shared}/m`) listed.push(model);
    expect(listed).toHaveLength(1);
    expect(listed[0].owned_by).toBe('user');
  });
});

describe('POST /v1/chat/completions', () => {
  it('answers a chat.completion with the provider content and usage', async () => {
    fake.script({ content: 'Hi from upstream', usage: { prompt: 5, completion: 4 } });
    const completion = await client.chat.completions.create({
      model: modelId,
      messages: [
        { role: 'developer', content: 'Be nice.' },
        { role: 'user', content: [{ type: 'text', text: 'Hello' }] },
      ],
      temperature: 0.5,
      max_tokens: 20,
    });
    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: modelId,
      id: expect.stringMatching(/^chatcmpl-/),
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Hi from upstream' }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 },
    });
    expect(fake.requests[0].body).toMatchObject({
      model: 'gpt-fake',
      messages: [
        { role: 'system', content: 'Be nice.' },
        { role: 'user', content: 'Hello' },
      ],
      temperature: 0.5,
      max_tokens: 20,
    });
    expect(fake.requests[0].headers.authorization).toBe('Bearer sk-upstream-gateway-key');
  });

  it('streams chat.completion.chunk objects ending with usage and [DONE]', async () => {
    const deltas = ['Stream', 'ing ', 'works', '!'];
    fake.script({ deltas, usage: { prompt: 3, completion: 4 } });
    const stream = await client.chat.completions.create({
      model: modelId,
      messages: [{ role: 'user', content: 'go' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const seen: string[] = [];
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk).toMatchObject({ object: 'chat.completion.chunk', model: modelId });
      const choice = chunk.choices[0];
      if (choice?.delta.content) seen.push(choice.delta.content);
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(seen).toEqual(deltas);
    expect(finish).toBe('stop');
    expect(usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  });

  it('sends the raw OpenAI stream format, ending in data: [DONE]', async () => {
    fake.script({ deltas: ['a', 'b'] });
    const res = await fetch(`${t.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: modelId, messages: [{ role: 'user', content: 'x' }], stream: true }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(text).not.toContain('event:');
    expect(text).not.toContain('"usage"');
  });

  it('accepts the sampling knobs OpenAI wrappers send by default', async () => {
    const completion = await client.chat.completions.create({
      model: modelId,
      messages: [{ role: 'user', content: 'hi' }],
      presence_penalty: 0,
      frequency_penalty: 0,
      seed: 1,
    });
    expect(completion.choices[0].message.content).toBe('Hello from the fake');
  });

  it('accepts an access token as well as a personal access token', async () => {
    const completion = await clientFor(user.accessToken).chat.completions.create({
      model: modelId,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(completion.choices[0].message.content).toBe('Hello from the fake');
  });

  it('answers an unknown model with 404 in OpenAI error shape', async () => {
    const res = await t
      .http()
      .post('/v1/chat/completions')
      .set({ Authorization: `Bearer ${user.accessToken}` })
      .send({ model: `${service.name}/nope`, messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(404);
    // What OpenAI itself answers for an unknown model.
    expect(res.body).toEqual({
      error: {
        message: expect.stringContaining('nope'),
        type: 'invalid_request_error',
        code: 'model_not_found',
        param: 'model',
      },
    });
    const embedding = await t
      .http()
      .post('/v1/chat/completions')
      .set(user.auth)
      .send({ model: `${service.name}/text-embed`, messages: [{ role: 'user', content: 'x' }] });
    expect(embedding.status).toBe(400);
    expect((embedding.body as { error: { param: string } }).error.param).toBe('model');
    await expect(
      client.chat.completions.create({ model: 'no-slash', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(
      client.chat.completions.create({
        model: `${service.name}/text-embed`,
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a token without the llm:invoke scope (403) and no token (401)', async () => {
    const readOnly = clientFor(await personalToken(user, ['read', 'write']));
    await expect(readOnly.models.list()).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    await expect(clientFor('tl_not-a-real-token').models.list()).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
  });

  it('passes upstream failures on as OpenAI errors (429 with Retry-After, 502, 504)', async () => {
    fake.script({ status: 429, headers: { 'retry-after': '9' } });
    const limited = await client.chat.completions
      .create({ model: modelId, messages: [{ role: 'user', content: 'x' }] })
      .catch((err: unknown) => err);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('9');

    fake.script({ status: 503 });
    const failed = await client.chat.completions
      .create({ model: modelId, messages: [{ role: 'user', content: 'x' }] })
      .catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    expect((failed as InstanceType<typeof OpenAI.APIError>).status).toBe(502);

    fake.script({ hang: true });
    const slow = await client.chat.completions
      .create({ model: modelId, messages: [{ role: 'user', content: 'x' }] })
      .catch((err: unknown) => err);
    expect((slow as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
  });

  it('reports a provider failure mid-stream as an error the client throws', async () => {
    fake.script({ deltas: ['a', 'b', 'c'], dropAfterDeltas: 1 });
    const stream = await client.chat.completions.create({
      model: modelId,
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream)
          if (chunk.choices[0]?.delta.content) seen.push(chunk.choices[0].delta.content);
      })(),
    ).rejects.toBeInstanceOf(OpenAI.APIError);
    expect(seen).toEqual(['a']);
  });

  it("reports a provider error event mid-stream as an APIError carrying the provider's message", async () => {
    const providerMessage = 'The upstream model gave up halfway';
    fake.script({ deltas: ['a', 'b', 'c'], errorAfterDeltas: 2, streamErrorMessage: providerMessage });
    const stream = await client.chat.completions.create({
      model: modelId,
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    const seen: string[] = [];
    const error: unknown = await (async () => {
      for await (const chunk of stream)
        if (chunk.choices[0]?.delta.content) seen.push(chunk.choices[0].delta.content);
    })().catch((err: unknown) => err);
    expect(seen).toEqual(['a', 'b']);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.message).toContain(providerMessage);
    expect(apiError.error).toMatchObject({
      type: 'api_error',
      message: expect.stringContaining(providerMessage),
    });
    expect(fake.requests).toHaveLength(1);
  });

  it('reuses its keep-alive connections to the provider across streamed completions', async () => {
    const read = async (): Promise<string> => {
      const stream = await client.chat.completions.create({
        model: modelId,
        messages: [{ role: 'user', content: 'x' }],
        stream: true,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      return text;
    };
    await read();
    const before = fake.acceptedConnections;
    for (let i = 0; i < 5; i++) expect(await read()).not.toBe('');
    // One after another, five streams read to their end need no new connection.
    expect(fake.acceptedConnections - before).toBe(0);
  });

  it('aborts the upstream request when the client aborts the stream', async () => {
    fake.script({ deltas: Array.from({ length: 40 }, (_, i) => `${i} `), interDeltaMs: 100 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: modelId, messages: [{ role: 'user', content: 'x' }], stream: true },
      { signal: controller.signal },
    );
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) {
        controller.abort();
        break;
      }
    }
    await expect(fake.waitForClosedConnection(3000)).resolves.toBeGreaterThanOrEqual(1);
  });

  it("resolves <service>/<model> to the caller's own service before a global one of the same name", async () => {
    const admin = await registerUser(t.http);
    await t.app.get(UsersService).update(admin.id, { role: 'admin' });
    const name = uniqueServiceName('shared');
    const global = await createLlmService(t.http, admin.auth, { name, baseUrl: otherFake.url, global: true });
    await createLlmModel(t.http, admin.auth, global.id, { name: 'gpt-fake' });
    const own = await createLlmService(t.http, user.auth, {
      name,
      baseUrl: fake.url,
      apiKey: 'sk-upstream-gateway-key',
    });
    await createLlmModel(t.http, user.auth, own.id, { name: 'gpt-fake' });

    fake.script({ content: 'own' });
    otherFake.script({ content: 'global' });
    const mine = await client.chat.completions.create({
      model: `${name}/gpt-fake`,
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(mine.choices[0].message.content).toBe('own');

    const stranger = await registerUser(t.http);
    const theirs = await clientFor(await personalToken(stranger, ['llm:invoke'])).chat.completions.create({
      model: `${name}/gpt-fake`,
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(theirs.choices[0].message.content).toBe('global');
  });
});
