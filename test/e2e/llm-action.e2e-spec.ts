/**
 * SPEC §7.3 `llm` handler: an action streams the model's deltas as
 * text/markdown chunks (stored, in order), with the model, temperature and
 * system prompt defaulting to the user's handler configuration.
 */
import { OpenAiFake, startOpenAiFake } from '../fakes/openai-fake';
import { createLlmModel, createLlmService } from '../factories/llm';
import { registerUser, RegisteredUser } from '../factories/users';
import { bootApp, TestApp } from './support/app';
import { expectProblem } from './support/problem';

interface Action {
  id: string;
  status: string;
  isCompleted: boolean;
}
interface Chunk {
  order: number;
  mime: string;
  text?: string;
}

let t: TestApp;
let fake: OpenAiFake;
let user: RegisteredUser;
let threadId: string;
let modelId: string;

beforeAll(async () => {
  fake = await startOpenAiFake();
  t = await bootApp();
  user = await registerUser(t.http);
  const service = await createLlmService(t.http, user.auth, { baseUrl: fake.url });
  modelId = (await createLlmModel(t.http, user.auth, service.id)).id;
  const thread = await t.http().post('/api/threads').set(user.auth).send({ title: 'LLM' });
  threadId = (thread.body as { id: string }).id;
});
afterEach(() => fake.reset());
afterAll(async () => {
  await t.close();
  await fake.close();
});

async function run(request: Record<string, unknown>): Promise<Action> {
  const res = await t
    .http()
    .post(`/api/threads/${threadId}/actions`)
    .set(user.auth)
    .send({ handler: 'llm', request });
  expect(res.status).toBe(202);
  return (res.body as { action: Action }).action;
}

async function finished(actionId: string): Promise<Action> {
  for (let i = 0; i < 200; i++) {
    const res = await t.http().get(`/api/actions/${actionId}`).set(user.auth);
    const action = res.body as Action;
    if (action.isCompleted) return action;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('action did not finish');
}

async function chunks(actionId: string): Promise<Chunk[]> {
  const res = await t.http().get(`/api/actions/${actionId}/chunks`).set(user.auth);
  expect(res.status).toBe(200);
  return (res.body as { items: Chunk[] }).items;
}

it('is listed with its schemas', async () => {
  const res = await t.http().get('/api/action-handlers').set(user.auth);
  const llm = (res.body as { name: string; configSchema: { properties: object } }[]).find(
    (h) => h.name === 'llm',
  );
  expect(llm).toBeDefined();
  expect(Object.keys(llm!.configSchema.properties).sort()).toEqual([
    'modelId',
    'systemPrompt',
    'temperature',
  ]);
});

it("streams the model's deltas as stored text/markdown chunks", async () => {
  const deltas = ['# Title', '\n\nSome ', '**bold**', ' text.'];
  fake.script({ deltas });
  const action = await run({ prompt: 'Write markdown', modelId, temperature: 0.1 });
  expect((await finished(action.id)).status).toBe('completed');
  expect(await chunks(action.id)).toEqual(
    deltas.map((text, order) => expect.objectContaining({ order, mime: 'text/markdown', text })),
  );
  expect(fake.requests[0].body).toMatchObject({
    model: 'gpt-fake',
    stream: true,
    temperature: 0.1,
    messages: [{ role: 'user', content: 'Write markdown' }],
  });
});

it('takes the model, temperature and system prompt from the handler configuration', async () => {
  const put = await t
    .http()
    .put('/api/action-handlers/llm/config')
    .set(user.auth)
    .send({ modelId, temperature: 0.7, systemPrompt: 'You are terse.' });
  expect(put.status).toBe(200);
  fake.script({ deltas: ['ok'] });
  const action = await run({ messages: [{ role: 'user', content: 'Hi' }] });
  expect((await finished(action.id)).status).toBe('completed');
  expect(fake.requests[0].body).toMatchObject({
    temperature: 0.7,
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Hi' },
    ],
  });
});

it('refuses a request with neither or both of prompt and messages (400)', async () => {
  for (const request of [{}, { prompt: 'a', messages: [{ role: 'user', content: 'b' }] }]) {
    const res = await t
      .http()
      .post(`/api/threads/${threadId}/actions`)
      .set(user.auth)
      .send({ handler: 'llm', request });
    expectProblem(res, 400);
  }
});

it('fails the action with a problem chunk when the provider fails', async () => {
  fake.script({ status: 500 });
  const action = await run({ prompt: 'x', modelId });
  expect((await finished(action.id)).status).toBe('failed');
  const stored = await chunks(action.id);
  expect(stored).toHaveLength(1);
  expect(stored[0].mime).toBe('application/problem+json');
  expect(JSON.parse(stored[0].text!)).toMatchObject({ status: 502 });
});

it('aborts the upstream request when the action is cancelled', async () => {
  fake.script({ deltas: Array.from({ length: 50 }, (_, i) => `${i} `), interDeltaMs: 100 });
  const action = await run({ prompt: 'long', modelId });
  while ((await chunks(action.id)).length === 0) await new Promise((resolve) => setTimeout(resolve, 25));
  const cancelled = await t.http().post(`/api/actions/${action.id}/cancel`).set(user.auth);
  expect(cancelled.status).toBe(200);
  expect((await finished(action.id)).status).toBe('cancelled');
  await expect(fake.waitForClosedConnection(3000)).resolves.toBeGreaterThanOrEqual(1);
});
