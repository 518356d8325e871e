import { decodeRelayMessage, encodeRelayMessage, RelayMessage } from './action-stream-relay';

describe('relay message encoding', () => {
  it('keeps chunks, their order, absent fields and binary data byte for byte', () => {
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 0x0a, 0x00]);
    const message: RelayMessage = {
      kind: 'chunks',
      actionId: 'a1',
      rooms: ['thread:t1', 'thread:t2'],
      chunks: [
        { order: 7, mime: 'text/plain', text: 'héllo\n🙂' },
        { order: 8, mime: 'application/octet-stream', data: bytes },
        { order: 9, mime: 'image/png', text: '', data: Buffer.alloc(0) },
        { order: 10, mime: 'text/plain' },
      ],
    };
    const { origin, message: decoded } = decodeRelayMessage(encodeRelayMessage('instance-1', message));
    expect(origin).toBe('instance-1');
    expect(decoded).toEqual(message);
    if (decoded.kind !== 'chunks') throw new Error('expected chunks');
    expect(Buffer.isBuffer(decoded.chunks[1].data)).toBe(true);
    expect(decoded.chunks[1].data?.equals(bytes)).toBe(true);
    expect('data' in decoded.chunks[0]).toBe(false);
    expect('text' in decoded.chunks[3]).toBe(false);
  });

  it('carries action:completed with its rooms', () => {
    const message: RelayMessage = {
      kind: 'completed',
      rooms: ['thread:t1'],
      completed: { actionId: 'a1', status: 'failed', completedAt: '2025-01-01T00:00:00.000Z' },
    };
    expect(decodeRelayMessage(encodeRelayMessage('i', message))).toEqual({ origin: 'i', message });
  });

  it('rejects a message without an origin', () => {
    expect(() => decodeRelayMessage('{"k":"completed"}')).toThrow();
  });
});
