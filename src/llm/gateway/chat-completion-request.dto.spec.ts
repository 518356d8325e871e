import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { ChatCompletionRequestDto } from './chat-completion-request.dto';

/** What the global pipe's full way decides (class-transformer + class-validator, same options). */
async function acceptedByDecorators(body: unknown): Promise<boolean> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const instance = plainToInstance(ChatCompletionRequestDto, body, { enableImplicitConversion: false });
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true });
  return errors.length === 0;
}

const VALID: object[] = [
  { model: 'svc/m', messages: [{ role: 'user', content: 'hi' }] },
  { model: 'svc/m', messages: [{ role: 'user', content: 'hi' }], stream: true },
  {
    model: 'svc/m',
    messages: [
      { role: 'developer', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'a' }], name: 'me' },
      { role: 'assistant', content: '' },
    ],
    stream: true,
    stream_options: { include_usage: true },
    temperature: 0.7,
    top_p: 1,
    max_tokens: 10,
    max_completion_tokens: 20,
    stop: ['\n'],
    n: 1,
    user: 'u',
    presence_penalty: 0,
    frequency_penalty: -2,
    seed: 42,
  },
  { model: 'svc/m', messages: [{ role: 'system', content: 'x' }], stop: 'END' },
];

/** Values tried in every field: right and wrong types, bounds, nulls, nesting. */
const ODD_VALUES: unknown[] = [
  null,
  undefined,
  '',
  'x',
  'a'.repeat(401),
  0,
  1,
  -1,
  0.5,
  2,
  2.5,
  -3,
  1e20,
  true,
  [],
  ['s'],
  [1],
  {},
  { include_usage: true },
  { include_usage: 'yes' },
  { other: true },
  [{ role: 'user', content: 'hi' }],
  [{ role: 'user' }],
  [{ role: 'robot', content: 'hi' }],
  [{ role: 'user', content: 'hi', extra: 1 }],
  [{ role: 'user', content: [{ type: 'image', text: 'x' }] }],
  [{ role: 'user', content: 'hi', name: 'n'.repeat(257) }],
  ['not a message'],
];

const FIELDS = [
  'model',
  'messages',
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'n',
  'stream',
  'stream_options',
  'user',
  'presence_penalty',
  'frequency_penalty',
  'seed',
  'unknown_field',
  'constructor',
  'toString',
  'hasOwnProperty',
];

describe('ChatCompletionRequestDto.quickCheck', () => {
  it.each(VALID.map((body) => [JSON.stringify(body).slice(0, 60), body]))(
    'passes a common valid body straight through: %s',
    async (_name, body) => {
      expect(ChatCompletionRequestDto.quickCheck(body)).toBe(true);
      expect(await acceptedByDecorators(body)).toBe(true);
    },
  );

  it('never accepts a body the decorators refuse (every field × odd values, on every valid body)', async () => {
    let quickAccepted = 0;
    for (const base of VALID) {
      for (const field of FIELDS) {
        for (const value of ODD_VALUES) {
          // Through JSON, as bodies arrive (undefined drops the field; prototype names become own keys).
          const body = JSON.parse(JSON.stringify({ ...base, [field]: value })) as unknown;
          if (!ChatCompletionRequestDto.quickCheck(body)) continue;
          quickAccepted++;
          if (!(await acceptedByDecorators(body))) {
            throw new Error(`quickCheck accepted a body the decorators refuse: ${JSON.stringify(body)}`);
          }
        }
      }
    }
    expect(quickAccepted).toBeGreaterThan(50);
  });

  it('refuses what is not a plain object, and bodies missing model or messages', () => {
    for (const body of [
      null,
      [],
      'x',
      1,
      {},
      { model: 'a/b' },
      { messages: [{ role: 'user', content: 'x' }] },
    ]) {
      expect(ChatCompletionRequestDto.quickCheck(body)).toBe(false);
    }
  });

  it('refuses a __proto__ key in a parsed body', () => {
    const body = JSON.parse(
      '{"model":"a/b","messages":[{"role":"user","content":"x"}],"__proto__":{"x":1}}',
    ) as unknown;
    expect(ChatCompletionRequestDto.quickCheck(body)).toBe(false);
  });
});
