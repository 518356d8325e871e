/**
 * SPEC §10 egress rules with LLM_ALLOW_PRIVATE_URLS=false: provider base URLs
 * on loopback / private / link-local / metadata addresses are refused at save
 * (400 on baseUrl, in every notation), an allowlisted host:port is reachable,
 * and a redirect from it to a non-allowlisted loopback port is refused at
 * call time without the second server ever being contacted.
 */
import { OpenAiFake, startOpenAiFake } from '../fakes/openai-fake';
import { createLlmModel, createLlmService, uniqueServiceName } from '../factories/llm';
import { registerUser, RegisteredUser } from '../factories/users';
import { bootApp, TestApp } from './support/app';
import { expectProblem, problemFields } from './support/problem';

let t: TestApp;
let allowed: OpenAiFake;
let internal: OpenAiFake;
let user: RegisteredUser;

beforeAll(async () => {
  allowed = await startOpenAiFake();
  internal = await startOpenAiFake();
  t = await bootApp({
    LLM_ALLOW_PRIVATE_URLS: 'false',
    LLM_EGRESS_ALLOWLIST: `127.0.0.1:${allowed.port}`,
  });
  user = await registerUser(t.http);
});
afterEach(() => {
  allowed.reset();
  internal.reset();
});
afterAll(async () => {
  await t.close();
  await allowed.close();
  await internal.close();
});

const create = (baseUrl: string) =>
  t
    .http()
    .post('/api/llm/services')
    .set(user.auth)
    .send({ name: uniqueServiceName(), provider: 'openai-compatible', baseUrl, apiKey: 'sk-egress-test' });

describe('base URL checks at save', () => {
  it.each([
    'http://169.254.169.254/',
    'http://169.254.169.254/latest/meta-data',
    'http://127.0.0.1',
    'http://[::ffff:7f00:1]',
    'http://[::1]:8080',
    'http://2130706433',
    'http://0177.0.0.1',
    'http://0x7f.0.0.1',
    'http://127.1',
    'http://localhost.',
    'http://localhost:11434/v1',
    'http://10.0.0.5/v1',
    'http://192.168.1.10',
    'http://[fd00:ec2::254]',
    'file:///etc/passwd',
    'gopher://example.com',
    'https://user:secret@example.com/v1',
  ])('refuses %s with 400 on baseUrl', async (baseUrl) => {
    const res = await create(baseUrl);
    expectProblem(res, 400);
    expect(problemFields(res)).toEqual(['baseUrl']);
    expect(res.text).not.toContain('secret@');
  });

  it('refuses a loopback port that is not on the allowlist', async () => {
    expectProblem(await create(internal.url), 400);
  });

  it('refuses a private base URL on PATCH too', async () => {
    const s = await createLlmService(t.http, user.auth, { baseUrl: allowed.url });
    const res = await t
      .http()
      .patch(`/api/llm/services/${s.id}`)
      .set(user.auth)
      .send({ baseUrl: 'http://169.254.169.254/' });
    expectProblem(res, 400);
    expect(problemFields(res)).toEqual(['baseUrl']);
  });
});

describe('calls', () => {
  it('reaches an allowlisted host:port', async () => {
    const s = await createLlmService(t.http, user.auth, { baseUrl: allowed.url });
    const m = await createLlmModel(t.http, user.auth, s.id);
    allowed.script({ content: 'allowed' });
    const res = await t
      .http()
      .post('/api/llm/invoke')
      .set(user.auth)
      .send({ modelId: m.id, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ message: { content: 'allowed' } });
  });

  it('refuses, at call time, a redirect from the allowlisted provider to a loopback port', async () => {
    const s = await createLlmService(t.http, user.auth, { baseUrl: allowed.url });
    const m = await createLlmModel(t.http, user.auth, s.id);
    const body = { modelId: m.id, messages: [{ role: 'user', content: 'hi' }] };

    allowed.script({ redirectTo: `${internal.url}/chat/completions` });
    const res = await t.http().post('/api/llm/invoke').set(user.auth).send(body);
    expectProblem(res, 502);
    expect((res.body as { detail: string }).detail).toMatch(/refused by the egress policy/);
    // Refusals are not retried: the allowlisted fake saw exactly one request.
    expect(allowed.requests).toHaveLength(1);

    allowed.script({ redirectTo: `http://169.254.169.254/v1/chat/completions` });
    const streamed = await fetch(`${t.url}/api/llm/invoke`, {
      method: 'POST',
      headers: { ...user.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, stream: true }),
    });
    expect(streamed.status).toBe(502);
    // Refused before the first byte: a plain problem answer, not an event stream.
    expect(streamed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await streamed.json()).toMatchObject({ status: 502 });
    expect(internal.requests).toHaveLength(0);
  });
});
