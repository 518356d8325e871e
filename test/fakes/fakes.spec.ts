/**
 * Proves the fakes speak the real wire formats by driving them with the official SDKs.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { AnthropicFake, startAnthropicFake } from './anthropic-fake';
import { wordDeltas } from './fake-script';
import { OpenAiFake, startOpenAiFake } from './openai-fake';
import { echoReply, parseRunFakeArgs, runFake } from './run-fake';

describe('OpenAI fake', () => {
  let fake: OpenAiFake;
  let client: OpenAI;

  beforeAll(async () => {
    fake = await startOpenAiFake();
    client = new OpenAI({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 0 });
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.close());

  it('listens on 127.0.0.1 under /v1', () => {
    expect(fake.url).toBe(`http://127.0.0.1:${fake.port}/v1`);
    expect(fake.origin).toBe(`http://127.0.0.1:${fake.port}`);
  });

  it('lists models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['gpt-fake', 'gpt-fake-mini']);
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models' });
  });

  it('retrieves a model and 404s on an unknown one', async () => {
    await expect(client.models.retrieve('gpt-fake')).resolves.toMatchObject({
      id: 'gpt-fake',
      object: 'model',
    });
    await expect(client.models.retrieve('nope')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('answers a non-streamed completion with the scripted content and usage', async () => {
    fake.script({ content: 'Scripted answer', usage: { prompt: 11, completion: 7 } });
    const completion = await client.chat.completions.create({
      model: 'gpt-fake',
      messages: [{ role: 'user', content: 'Hi there' }],
      temperature: 0.2,
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-fake');
    expect(completion.choices[0]).toMatchObject({
      index: 0,
      message: { role: 'assistant', content: 'Scripted answer', refusal: null },
      finish_reason: 'stop',
    });
    expect(completion.usage).toEqual({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });

    const [request] = fake.requests;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe('Bearer sk-test');
    expect(request.body?.model).toBe('gpt-fake');
    expect(request.body?.temperature).toBe(0.2);
    expect(request.body?.messages).toEqual([{ role: 'user', content: 'Hi there' }]);
  });

  it('uses the default reply and counts prompt words / deltas when nothing is scripted', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-fake-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'one two three' }] },
      ],
    });
    expect(completion.choices[0].message.content).toBe('Hello from the fake');
    expect(completion.usage).toEqual({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
  });

  it('consumes scripted replies in FIFO order, then falls back to setDefault', async () => {
    fake.script({ content: 'first' }, { content: 'second' });
    fake.setDefault({ content: 'default' });
    const ask = async () =>
      (
        await client.chat.completions.create({
          model: 'gpt-fake',
          messages: [{ role: 'user', content: 'x' }],
        })
      ).choices[0].message.content;
    expect([await ask(), await ask(), await ask()]).toEqual(['first', 'second', 'default']);
  });

  it('streams the scripted deltas in order, with a usage chunk when asked', async () => {
    fake.script({ deltas: ['Alpha', ' beta', ' gamma'], interDeltaMs: 5 });
    const stream = await client.chat.completions.create({
      model: 'gpt-fake',
      messages: [{ role: 'user', content: 'Stream please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id)).toBe(true);
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const deltas = chunks.flatMap((c) => c.choices.map((choice) => choice.delta.content)).filter(Boolean);
    expect(deltas).toEqual(['Alpha', ' beta', ' gamma']);
    expect(chunks[chunks.length - 2].choices[0].finish_reason).toBe('stop');
    const usageChunk = chunks[chunks.length - 1];
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toEqual({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
  });

  it('streams without a usage chunk unless include_usage is set', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-fake',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks).toHaveLength(5);
    expect(chunks.every((c) => c.choices.length === 1 && c.usage === undefined)).toBe(true);
  });

  it('surfaces a scripted 429 as RateLimitError with retry-after', async () => {
    fake.script({ status: 429, headers: { 'retry-after': '1' } });
    const error: unknown = await client.chat.completions
      .create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.headers.get('retry-after')).toBe('1');
    expect(rateLimit.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
    expect(rateLimit.requestID).toMatch(/^req_fake_/);
  });

  it('sends a custom error body verbatim', async () => {
    fake.script({ status: 500, errorBody: { error: { message: 'boom', type: 'server_error', code: 'x' } } });
    const error: unknown = await client.chat.completions
      .create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as Error).message).toContain('boom');
  });

  it('rejects a request without messages in OpenAI error shape', async () => {
    const res = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-fake' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message: expect.stringContaining('messages'),
        type: 'invalid_request_error',
        code: null,
        param: null,
      },
    });
  });

  it('answers unknown routes with a 404', async () => {
    const res = await fetch(`${fake.url}/embeddings`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });

  it('counts a client abort mid-stream as a closed connection', async () => {
    fake.script({ deltas: ['a', 'b', 'c', 'd', 'e'], interDeltaMs: 200 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { signal: controller.signal },
    );
    const closed = fake.waitForClosedConnection(2000);
    const received: string[] = [];
    const consume = (async () => {
      for await (const chunk of stream) {
        const text = chunk.choices[0]?.delta.content;
        if (text) received.push(text);
        if (received.length === 1) controller.abort();
      }
    })().catch((e: unknown) => e);
    await expect(closed).resolves.toBe(1);
    await consume;
    expect(received).toEqual(['a']);
    expect(fake.closedConnections).toBe(1);
  });

  it('lets the client time out on a hung request, and counts the close', async () => {
    fake.script({ hang: true });
    const started = Date.now();
    await expect(
      client.chat.completions.create(
        { model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }] },
        { timeout: 300 },
      ),
      // Outside Jest this is an APIConnectionTimeoutError; inside Jest's VM realm the SDK cannot recognise
      // undici's AbortError (instanceof Error fails across realms), so it reports its parent class.
    ).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(fake.requests).toHaveLength(1);
    await expect(fake.waitForClosedConnection(1000)).resolves.toBe(1);
  });

  it('drops the socket after N deltas', async () => {
    fake.script({ deltas: ['one', ' two', ' three'], dropAfterDeltas: 1 });
    const stream = await client.chat.completions.create({
      model: 'gpt-fake',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const received: string[] = [];
    const consume = async () => {
      for await (const chunk of stream) {
        const text = chunk.choices[0]?.delta.content;
        if (text) received.push(text);
      }
    };
    await expect(consume()).rejects.toThrow();
    expect(received).toEqual(['one']);
    expect(fake.closedConnections).toBe(0);
  });

  it('sends an in-stream error after N deltas, which the client throws as an APIError', async () => {
    fake.script({
      deltas: ['one', ' two', ' three'],
      errorAfterDeltas: 2,
      streamErrorMessage: 'Upstream melted',
    });
    const stream = await client.chat.completions.create({
      model: 'gpt-fake',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const received: string[] = [];
    const error: unknown = await (async () => {
      for await (const chunk of stream) {
        const text = chunk.choices[0]?.delta.content;
        if (text) received.push(text);
      }
    })().catch((e: unknown) => e);
    expect(received).toEqual(['one', ' two']);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBeUndefined();
    expect(apiError.message).toBe('Upstream melted');
    expect(apiError.error).toEqual({
      message: 'Upstream melted',
      type: 'server_error',
      param: null,
      code: null,
    });
    expect(fake.closedConnections).toBe(0);
  });

  it('puts the in-stream error on the wire as OpenAI does: a data-only error object, then [DONE]', async () => {
    fake.script({ deltas: ['a', 'b'], errorAfterDeltas: 0 }, { deltas: ['a'], errorAfterDeltas: 5 });
    const raw = async () => {
      const res = await fetch(`${fake.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-fake', messages: [{ role: 'user', content: 'x' }], stream: true }),
      });
      expect(res.status).toBe(200);
      return res.text();
    };
    const errorFrame =
      'data: {"error":{"message":"The server had an error while processing your request. Sorry about that!",' +
      '"type":"server_error","param":null,"code":null}}\n\ndata: [DONE]\n\n';
    const first = await raw();
    expect(first.endsWith(errorFrame)).toBe(true);
    expect(first).not.toContain('"content":"a"');
    expect(first).not.toContain('event:');
    // A count past the deltas sends them all, then the error in place of the closing chunk.
    const second = await raw();
    expect(second).toContain('"content":"a"');
    expect(second).not.toContain('"finish_reason":"stop"');
    expect(second.endsWith(errorFrame)).toBe(true);
  });

  it('answers a non-streamed request scripted with errorAfterDeltas with a 500', async () => {
    fake.script({ content: 'never', errorAfterDeltas: 0, streamErrorMessage: 'Upstream melted' });
    const error: unknown = await client.chat.completions
      .create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as Error).message).toContain('Upstream melted');
  });

  it('waits delayMs before answering', async () => {
    fake.script({ content: 'late', delayMs: 150 });
    const started = Date.now();
    await client.chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('redirects with 307 and the client follows', async () => {
    const other = await startOpenAiFake();
    try {
      other.script({ content: 'from the other side' });
      fake.script({ redirectTo: `${other.url}/chat/completions` });
      const completion = await client.chat.completions.create({
        model: 'gpt-fake',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(completion.choices[0].message.content).toBe('from the other side');
      expect(fake.requests).toHaveLength(1);
      expect(other.requests[0].body?.messages).toEqual([{ role: 'user', content: 'hi' }]);
    } finally {
      await other.close();
    }
  });

  it('enforces the API key when configured', async () => {
    const strict = await startOpenAiFake({ apiKey: 'sk-right', models: ['only-model'] });
    try {
      const wrong = new OpenAI({ apiKey: 'sk-wrong', baseURL: strict.url, maxRetries: 0 });
      await expect(wrong.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
      const right = new OpenAI({ apiKey: 'sk-right', baseURL: strict.url, maxRetries: 0 });
      expect((await right.models.list()).data.map((m) => m.id)).toEqual(['only-model']);
    } finally {
      await strict.close();
    }
  });

  it('close() ends hung requests', async () => {
    const doomed = await startOpenAiFake({ basePath: '/openai/v1' });
    doomed.script({ hang: true });
    const hungClient = new OpenAI({ apiKey: 'sk-test', baseURL: doomed.url, maxRetries: 0 });
    const pending = hungClient.chat.completions
      .create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    while (doomed.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    expect(doomed.requests[0].path).toBe('/openai/v1/chat/completions');
    await doomed.close();
    expect(await pending).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(doomed.closedConnections).toBe(0);
  });
});

describe('Anthropic fake', () => {
  let fake: AnthropicFake;
  let client: Anthropic;

  beforeAll(async () => {
    fake = await startAnthropicFake();
    client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: fake.sdkBaseURL, maxRetries: 0 });
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.close());

  it('exposes the SDK base URL without /v1', () => {
    expect(fake.url).toBe(`http://127.0.0.1:${fake.port}/v1`);
    expect(fake.sdkBaseURL).toBe(`http://127.0.0.1:${fake.port}`);
  });

  it('lists models in Anthropic shape', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => [m.id, m.display_name, m.type])).toEqual([
      ['claude-fake', 'Claude Fake', 'model'],
      ['claude-fake-mini', 'Claude Fake Mini', 'model'],
    ]);
    const res = await fetch(`${fake.url}/models`, { headers: { 'anthropic-version': '2023-06-01' } });
    expect(await res.json()).toMatchObject({
      has_more: false,
      first_id: 'claude-fake',
      last_id: 'claude-fake-mini',
    });
  });

  it('answers a non-streamed message with the scripted text and usage, recording headers', async () => {
    fake.script({ content: 'Bonjour', usage: { prompt: 9, completion: 2 } });
    const message = await client.messages.create({
      model: 'claude-fake',
      max_tokens: 100,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'Say hello in French' }],
    });
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-fake',
      content: [{ type: 'text', text: 'Bonjour' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 9, output_tokens: 2 },
    });
    expect(message.id).toMatch(/^msg_/);

    const [request] = fake.requests;
    expect(request.path).toBe('/v1/messages');
    // @anthropic-ai/sdk v1 sends the API key as a bearer token; raw clients send x-api-key (see below).
    expect(request.headers.authorization).toBe('Bearer sk-ant-test');
    expect(request.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(request.body).toMatchObject({ model: 'claude-fake', max_tokens: 100, system: 'You are terse.' });
  });

  it('streams the real event sequence with text deltas', async () => {
    fake.script({ deltas: ['Once', ' upon', ' a time'] });
    const stream = await client.messages.create({
      model: 'claude-fake',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Tell a story' }],
      stream: true,
    });
    const types: string[] = [];
    const texts: string[] = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta')
        texts.push(event.delta.text);
      if (event.type === 'message_delta') expect(event.usage.output_tokens).toBe(3);
      if (event.type === 'message_start') expect(event.message.usage.input_tokens).toBe(3);
    }
    expect(texts).toEqual(['Once', ' upon', ' a time']);
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('sends event: lines and a ping on the wire', async () => {
    const res = await fetch(`${fake.url}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' },
      body: JSON.stringify({
        model: 'claude-fake',
        max_tokens: 5,
        stream: true,
        messages: [{ role: 'user', content: 'x' }],
      }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    expect(text).toContain('event: ping\ndata: {"type":"ping"}\n\n');
    expect(text.match(/^event: /gm)).toHaveLength(9);
    expect(fake.requests[0].headers).toMatchObject({ 'x-api-key': 'k', 'anthropic-version': '2023-06-01' });
  });

  it('accumulates a final message with messages.stream()', async () => {
    fake.script({ deltas: ['Streamed', ' and', ' accumulated'], interDeltaMs: 5 });
    const stream = client.messages.stream({
      model: 'claude-fake-mini',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Go' }],
    });
    const seen: string[] = [];
    stream.on('text', (delta) => seen.push(delta));
    const final = await stream.finalMessage();
    expect(seen).toEqual(['Streamed', ' and', ' accumulated']);
    expect(final.content).toEqual([{ type: 'text', text: 'Streamed and accumulated' }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage).toMatchObject({ input_tokens: 1, output_tokens: 3 });
    expect(final.model).toBe('claude-fake-mini');
  });

  it('surfaces scripted errors in Anthropic shape', async () => {
    fake.script(
      { status: 529, errorMessage: 'Overloaded' },
      { status: 429, headers: { 'retry-after': '1' } },
    );
    const params = {
      model: 'claude-fake',
      max_tokens: 10,
      messages: [{ role: 'user' as const, content: 'hi' }],
    };
    const overloaded: unknown = await client.messages.create(params).catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(Anthropic.APIError);
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
    const limited: unknown = await client.messages.create(params).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect((limited as InstanceType<typeof Anthropic.RateLimitError>).headers.get('retry-after')).toBe('1');
  });

  it('rejects requests without anthropic-version or max_tokens', async () => {
    const noVersion = await fetch(`${fake.url}/messages`, { method: 'POST', body: '{}' });
    expect(noVersion.status).toBe(400);
    expect(await noVersion.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const badRequest: unknown = await client.messages
      .create({ model: 'claude-fake', messages: [{ role: 'user', content: 'hi' }] } as unknown as Parameters<
        typeof client.messages.create
      >[0])
      .catch((e: unknown) => e);
    expect(badRequest).toBeInstanceOf(Anthropic.BadRequestError);
  });

  it('counts a client abort mid-stream as a closed connection', async () => {
    fake.script({ deltas: ['a', 'b', 'c', 'd'], interDeltaMs: 200 });
    const stream = client.messages.stream({
      model: 'claude-fake',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    stream.on('text', () => stream.abort());
    await expect(stream.finalMessage()).rejects.toThrow();
    await expect(fake.waitForClosedConnection(2000)).resolves.toBe(1);
  });

  it('sends an event: error after N deltas, which the client throws as an APIError', async () => {
    fake.script({
      deltas: ['Once', ' upon', ' a time'],
      errorAfterDeltas: 2,
      streamErrorMessage: 'Too busy',
    });
    const stream = await client.messages.create({
      model: 'claude-fake',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Tell a story' }],
      stream: true,
    });
    const types: string[] = [];
    const texts: string[] = [];
    const error: unknown = await (async () => {
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta')
          texts.push(event.delta.text);
      }
    })().catch((e: unknown) => e);
    expect(texts).toEqual(['Once', ' upon']);
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
    ]);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Too busy' },
    });
    expect((error as Error).message).toContain('Too busy');
    expect(fake.closedConnections).toBe(0);
  });

  it('puts the in-stream error on the wire as Anthropic does, and ends there', async () => {
    fake.script({ deltas: ['x', 'y'], errorAfterDeltas: 1 });
    const res = await fetch(`${fake.url}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' },
      body: JSON.stringify({
        model: 'claude-fake',
        max_tokens: 5,
        stream: true,
        messages: [{ role: 'user', content: 'x' }],
      }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('"text":"x"');
    expect(text).not.toContain('"text":"y"');
    expect(text).not.toContain('message_stop');
    expect(
      text.endsWith(
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}\n\n' +
          'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
      ),
    ).toBe(true);
  });

  it('lets the client time out on a hung request', async () => {
    fake.script({ hang: true });
    await expect(
      client.messages.create(
        { model: 'claude-fake', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
        { timeout: 300 },
      ),
    ).rejects.toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
    await expect(fake.waitForClosedConnection(1000)).resolves.toBe(1);
  });
});

describe('run-fake', () => {
  it('parses arguments', () => {
    expect(parseRunFakeArgs(['openai', '--port', '4010'])).toEqual({
      provider: 'openai',
      port: 4010,
      host: '127.0.0.1',
      interDeltaMs: 60,
    });
    expect(parseRunFakeArgs(['anthropic', '--delay', '0', '--host', '0.0.0.0'])).toMatchObject({
      provider: 'anthropic',
      host: '0.0.0.0',
      interDeltaMs: 0,
    });
    expect(() => parseRunFakeArgs(['gemini'])).toThrow(/Usage/);
    expect(() => parseRunFakeArgs(['openai', '--port'])).toThrow(/Usage/);
  });

  it('echoes the last user message word by word', async () => {
    const fake = await runFake({ provider: 'openai', port: 0, host: '127.0.0.1', interDeltaMs: 1 });
    try {
      const client = new OpenAI({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 0 });
      const stream = await client.chat.completions.create({
        model: 'gpt-fake',
        messages: [
          { role: 'user', content: 'first' },
          { role: 'assistant', content: 'ok' },
          { role: 'user', content: 'hello   there' },
        ],
        stream: true,
      });
      const deltas: string[] = [];
      for await (const chunk of stream)
        if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content);
      expect(deltas).toEqual(['You', ' said:', ' hello', '   there']);
    } finally {
      await fake.close();
    }
    expect(wordDeltas('a b  c ')).toEqual(['a', ' b', '  c', ' ']);
    expect(
      echoReply(0)({ method: 'POST', path: '/', query: {}, headers: {}, body: undefined }).deltas,
    ).toEqual(['You', ' said:', ' (nothing)']);
  });

  it('starts an Anthropic fake whose SDK base URL works', async () => {
    const fake = await runFake({ provider: 'anthropic', port: 0, host: '127.0.0.1', interDeltaMs: 0 });
    try {
      expect(fake.sdkBaseURL).toBe(fake.origin);
      const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: fake.sdkBaseURL, maxRetries: 0 });
      const message = await client.messages.create({
        model: 'claude-fake',
        max_tokens: 10,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'ping pong' }] }],
      });
      expect(message.content).toEqual([{ type: 'text', text: 'You said: ping pong' }]);
    } finally {
      await fake.close();
    }
  });
});
