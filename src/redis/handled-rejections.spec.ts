import { throttledReporter, withHandledRejections } from './handled-rejections';

class FakeClient {
  readonly name = 'fake';
  calls = 0;
  publish(channel: string): Promise<number> {
    this.calls++;
    return Promise.reject(new Error(`cannot publish to ${channel}`));
  }
  on(): this {
    return this;
  }
}

describe('withHandledRejections', () => {
  it('reports a rejected promise nobody handles instead of leaving it unhandled', async () => {
    const errors: unknown[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const client = withHandledRejections(new FakeClient(), (err) => errors.push(err));
      void client.publish('a');
      await new Promise((resolve) => setImmediate(resolve));
      expect(errors).toEqual([new Error('cannot publish to a')]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('hands back the same promise, so a caller that awaits still sees the failure', async () => {
    const target = new FakeClient();
    const client = withHandledRejections(target, () => undefined);
    await expect(client.publish('b')).rejects.toThrow('cannot publish to b');
    expect(target.calls).toBe(1);
  });

  it('leaves properties and non-promise results alone, and calls methods on the client itself', () => {
    const target = new FakeClient();
    const client = withHandledRejections(target, () => undefined);
    expect(client.name).toBe('fake');
    expect(client.on()).toBe(target);
    expect(client.publish).toBe(client.publish);
  });
});

describe('throttledReporter', () => {
  it('reports one failure per interval with the count it stands for', () => {
    const reports: number[] = [];
    const now = jest.spyOn(Date, 'now');
    try {
      const report = throttledReporter((failures) => reports.push(failures), 10_000);
      now.mockReturnValue(1_000);
      report(new Error('1'));
      report(new Error('2'));
      report(new Error('3'));
      now.mockReturnValue(12_000);
      report(new Error('4'));
      expect(reports).toEqual([1, 3]);
    } finally {
      now.mockRestore();
    }
  });
});
