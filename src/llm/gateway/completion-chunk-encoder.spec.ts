import { CompletionChunkEncoder } from './openai-gateway.service';

describe('CompletionChunkEncoder', () => {
  const texts = [
    'tok',
    '',
    'quote " and \\ backslash',
    'line\nbreak\r\n',
    'ünïcödé 👋',
    '\u0000\u001f',
    '</script>',
  ];

  it.each([false, true])(
    'deltaJson is byte for byte JSON.stringify of the delta chunk (include_usage %s)',
    (usage) => {
      const model = 'svc/model "x" \u0000delta\u0000';
      const encoder = new CompletionChunkEncoder(model, usage);
      const { id, created } = encoder.opening();
      for (const text of texts) {
        const chunk = {
          id,
          object: 'chat.completion.chunk',
          created,
          model,
          choices: [{ index: 0, delta: { content: text }, finish_reason: null, logprobs: null }],
          ...(usage ? { usage: null } : {}),
        };
        expect(encoder.deltaJson(text)).toBe(JSON.stringify(chunk));
      }
    },
  );

  it('opens with the role and closes with the finish reason, then the usage when asked for', () => {
    const completion = {
      content: 'ab',
      finishReason: 'length',
      usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 },
    };
    const plain = new CompletionChunkEncoder('svc/m', false);
    expect(plain.opening().choices).toEqual([
      { index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null },
    ]);
    expect(plain.closing(completion)).toEqual([
      expect.objectContaining({
        choices: [{ index: 0, delta: {}, finish_reason: 'length', logprobs: null }],
      }),
    ]);
    expect(plain.closing(completion)[0]).not.toHaveProperty('usage');

    const withUsage = new CompletionChunkEncoder('svc/m', true);
    const [last, usage] = withUsage.closing({ ...completion, finishReason: null });
    expect(last).toMatchObject({ choices: [{ finish_reason: 'stop' }], usage: null });
    expect(usage).toMatchObject({
      id: withUsage.opening().id,
      choices: [],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
  });
});
