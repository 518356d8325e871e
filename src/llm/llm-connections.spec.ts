import { randomBytes, randomUUID } from 'node:crypto';
import { startOpenAiFake, type OpenAiFake } from '../../test/fakes/openai-fake';
import type { AppConfig } from '../config/app-config';
import { LlmConnections } from './llm-connections';
import { LlmServiceEntity } from './llm-service.entity';
import { egressRefusalOf } from './providers/upstream-errors';

/** Provider clients are reused across calls; these pin down when a call must get a fresh one. */
describe('LlmConnections', () => {
  let fake: OpenAiFake;
  let other: OpenAiFake;
  const signal = new AbortController().signal;
  const params = { model: 'gpt-fake', messages: [{ role: 'user' as const, content: 'hi' }] };

  const connections = (allowPrivate = true): LlmConnections =>
    new LlmConnections({
      encryptionKey: randomBytes(32),
      llmTimeoutMs: 5000,
      llmAllowPrivateUrls: allowPrivate,
      llmEgressAllowlist: [],
    } as unknown as AppConfig);

  const service = (conns: LlmConnections, fields: Partial<LlmServiceEntity> & { apiKey?: string }) => {
    const id = fields.id ?? randomUUID();
    const { apiKey, ...rest } = fields;
    return Object.assign(new LlmServiceEntity(), {
      id,
      name: 'svc',
      provider: 'openai-compatible' as const,
      baseUrl: fake.url,
      apiKeyEncrypted: apiKey ? conns.sealApiKey(id, apiKey) : null,
      apiKeyLast4: null,
      authRef: null,
      ownerId: null,
      createdAt: new Date(),
      updatedAt: new Date(),
      ...rest,
    });
  };

  beforeAll(async () => {
    fake = await startOpenAiFake();
    other = await startOpenAiFake();
  });

  afterAll(async () => {
    await fake.close();
    await other.close();
  });

  beforeEach(() => {
    fake.requests.splice(0);
    other.requests.splice(0);
  });

  it('reuses the client of an unchanged service', () => {
    const conns = connections();
    const s = service(conns, { apiKey: 'sk-first-key' });
    const first = conns.connect(s);
    expect(conns.connect({ ...s })).toBe(first);
    expect(first.secret).toBe('sk-first-key');
  });

  it('uses a new key, base URL or provider at once', async () => {
    const conns = connections();
    const s = service(conns, { apiKey: 'sk-first-key' });
    await conns.connect(s).adapter.complete(params, signal);
    expect(fake.requests.at(-1)?.headers.authorization).toBe('Bearer sk-first-key');

    const rekeyed = { ...s, apiKeyEncrypted: conns.sealApiKey(s.id, 'sk-second-key') };
    expect(conns.connect(rekeyed).secret).toBe('sk-second-key');
    await conns.connect(rekeyed).adapter.complete(params, signal);
    expect(fake.requests.at(-1)?.headers.authorization).toBe('Bearer sk-second-key');

    const moved = { ...rekeyed, baseUrl: other.url };
    await conns.connect(moved).adapter.complete(params, signal);
    expect(other.requests).toHaveLength(1);

    const keyless = { ...moved, apiKeyEncrypted: null };
    await conns.connect(keyless).adapter.complete(params, signal);
    expect(other.requests.at(-1)?.headers.authorization).toBeUndefined();

    const anthropic = conns.connect({ ...rekeyed, provider: 'anthropic' });
    expect(anthropic).not.toBe(conns.connect(rekeyed));
  });

  it('reads an authRef variable again at every call', () => {
    const conns = connections();
    const variable = `THREADLINE_SPEC_KEY_${Date.now()}`;
    const s = service(conns, { authRef: variable });
    expect(() => conns.connect(s)).toThrow(/credentials are not available/);
    process.env[variable] = 'sk-from-env-1';
    try {
      expect(conns.connect(s).secret).toBe('sk-from-env-1');
      process.env[variable] = 'sk-from-env-2';
      expect(conns.connect(s).secret).toBe('sk-from-env-2');
      delete process.env[variable];
      expect(() => conns.connect(s)).toThrow(/credentials are not available/);
    } finally {
      delete process.env[variable];
    }
  });

  it('still runs the egress checks on every call of a reused client', async () => {
    const conns = connections(false);
    const s = service(conns, { apiKey: 'sk-first-key' });
    for (let call = 0; call < 2; call++) {
      const err: unknown = await conns
        .connect(s)
        .adapter.complete(params, signal)
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(egressRefusalOf(err)?.reason).toMatch(/non-public address/);
    }
    expect(fake.requests).toHaveLength(0);
  });
});
