import { PassThrough } from 'node:stream';
import type { ChatCompletion, ChatStreamEvent } from './provider-adapter';
import { ProviderEventStream, SseEventMapper, StreamTooLargeError } from './provider-event-stream';
import type { SseMessage } from './sse-reader';

/** Every `data` is one delta; the completion is their concatenation. */
class EchoMapper implements SseEventMapper {
  private text = '';
  onMessage(message: SseMessage, out: ChatStreamEvent[]): void {
    if (message.event === 'error') throw new Error(`provider: ${message.data}`);
    this.text += message.data;
    out.push({ type: 'delta', text: message.data });
  }
  completion(): ChatCompletion {
    return {
      content: this.text,
      finishReason: 'stop',
      usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
    };
  }
}

const events = (n: number, from = 0): string =>
  Array.from({ length: n }, (_, i) => `data: ${from + i}\n\n`).join('');

async function drain(stream: ProviderEventStream): Promise<ChatStreamEvent[]> {
  const out: ChatStreamEvent[] = [];
  for await (const event of stream) out.push(event);
  return out;
}

describe('ProviderEventStream', () => {
  it('pauses the provider socket while a slow consumer lets events pile up, and resumes it as they are taken', async () => {
    const body = new PassThrough();
    const stream = new ProviderEventStream(body, new EchoMapper(), new AbortController().signal);
    body.write(events(300));
    await new Promise((resolve) => setImmediate(resolve));
    expect(body.isPaused()).toBe(true);

    const first = await stream.next();
    expect(first).toEqual({ value: { type: 'delta', text: '0' }, done: false });
    body.end(events(5, 300));
    const rest = await drain(stream);
    expect(body.isPaused()).toBe(false);
    expect(rest.filter((e) => e.type === 'delta').map((e) => (e as { text: string }).text)).toEqual(
      Array.from({ length: 304 }, (_, i) => String(i + 1)),
    );
    expect(rest[rest.length - 1]).toMatchObject({ type: 'done', completion: { finishReason: 'stop' } });
  });

  it('delivers the events received before a failure, then throws it', async () => {
    const body = new PassThrough();
    const stream = new ProviderEventStream(body, new EchoMapper(), new AbortController().signal);
    body.write(`${events(2)}event: error\ndata: overloaded\n\n`);
    await expect(stream.next()).resolves.toMatchObject({ value: { text: '0' } });
    await expect(stream.next()).resolves.toMatchObject({ value: { text: '1' } });
    await expect(stream.next()).rejects.toThrow('provider: overloaded');
    expect(body.destroyed).toBe(true);
  });

  it("throws the signal's reason when the request is aborted mid-stream", async () => {
    const body = new PassThrough();
    const controller = new AbortController();
    const stream = new ProviderEventStream(body, new EchoMapper(), controller.signal);
    const reason = new Error('client gone');
    controller.abort(reason);
    body.destroy(new Error('socket aborted'));
    await expect(stream.next()).rejects.toBe(reason);
  });

  it('fails when the provider closes the stream before its end', async () => {
    const body = new PassThrough();
    const stream = new ProviderEventStream(body, new EchoMapper(), new AbortController().signal);
    body.write(events(1));
    body.destroy();
    await expect(stream.next()).resolves.toMatchObject({ value: { text: '0' } });
    await expect(stream.next()).rejects.toThrow('closed the stream before its end');
  });

  it('stops reading a stream past its byte limit: the events before it, then the failure', async () => {
    const body = new PassThrough();
    const stream = new ProviderEventStream(body, new EchoMapper(), new AbortController().signal, 30);
    body.write(events(2));
    body.write(events(5, 2));
    const received: ChatStreamEvent[] = [];
    await expect(
      (async () => {
        for await (const event of stream) received.push(event);
      })(),
    ).rejects.toBeInstanceOf(StreamTooLargeError);
    expect(received).toEqual([
      { type: 'delta', text: '0' },
      { type: 'delta', text: '1' },
    ]);
    expect(body.destroyed).toBe(true);
  });
});
