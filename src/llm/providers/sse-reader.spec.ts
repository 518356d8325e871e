import { SseEventTooLargeError, SseMessage, SseParser } from './sse-reader';

/** Feeds `text` split at every given offset, then ends the stream. */
function parse(text: string | Buffer, cuts: number[] = []): SseMessage[] {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const parser = new SseParser();
  const out: SseMessage[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    parser.push(bytes.subarray(start, cut), out);
    start = cut;
  }
  parser.end(out);
  return out;
}

describe('SseParser', () => {
  it('reads data events and named events', () => {
    expect(parse('data: {"a":1}\n\nevent: error\ndata: {"error":{}}\n\n')).toEqual([
      { event: null, data: '{"a":1}' },
      { event: 'error', data: '{"error":{}}' },
    ]);
  });

  it('accepts CRLF, CR and LF line ends, mixed', () => {
    expect(parse('data: a\r\n\r\ndata: b\r\rdata: c\n\n')).toEqual([
      { event: null, data: 'a' },
      { event: null, data: 'b' },
      { event: null, data: 'c' },
    ]);
  });

  it('gives the same events however the bytes are cut, a CRLF split included', () => {
    const text =
      'data: first\r\n\r\n: comment\r\ndata: sec\r\ndata: ond\r\n\r\nevent: x\r\ndata: third\r\n\r\n';
    const whole = parse(text);
    expect(whole).toEqual([
      { event: null, data: 'first' },
      { event: null, data: 'sec\nond' },
      { event: 'x', data: 'third' },
    ]);
    for (let cut = 1; cut < text.length; cut++) expect(parse(text, [cut])).toEqual(whole);
    expect(
      parse(
        text,
        Array.from({ length: text.length - 1 }, (_, i) => i + 1),
      ),
    ).toEqual(whole);
  });

  it('keeps a UTF-8 character split across chunks whole', () => {
    const bytes = Buffer.from('data: héllo 👋\n\n', 'utf8');
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(parse(bytes, [cut])).toEqual([{ event: null, data: 'héllo 👋' }]);
    }
  });

  it('ignores comments, unknown fields, id and retry; strips one leading space only', () => {
    expect(parse(': keep-alive\nid: 7\nretry: 10\nfoo: bar\ndata:  two spaces\ndata:none\n\n')).toEqual([
      { event: null, data: ' two spaces\nnone' },
    ]);
  });

  it('dispatches an empty data line as an empty event, and nothing for a blank block', () => {
    expect(parse('data:\n\n\n\nevent: ping\n\n')).toEqual([{ event: null, data: '' }]);
  });

  it('drops an event cut off by the end of the stream, as the format says', () => {
    expect(parse('data: done\n\ndata: half')).toEqual([{ event: null, data: 'done' }]);
  });

  it('resets the event name after each event', () => {
    expect(parse('event: a\ndata: 1\n\ndata: 2\n\n')).toEqual([
      { event: 'a', data: '1' },
      { event: null, data: '2' },
    ]);
  });

  it('refuses a line or an event longer than its limit, however it is chunked', () => {
    const endless = new SseParser(16);
    expect(() => {
      for (let i = 0; i < 10; i++) endless.push(Buffer.from('data: xxxx'), []);
    }).toThrow(SseEventTooLargeError);
    const manyLines = new SseParser(16);
    expect(() => manyLines.push(Buffer.from('data: 123456\ndata: 123456\ndata: 123456\n'), [])).toThrow(
      SseEventTooLargeError,
    );
    const out: SseMessage[] = [];
    const fits = new SseParser(16);
    fits.push(Buffer.from('data: 123456\n\ndata: 123456\n\ndata: 123456\n\n'), out);
    expect(out).toHaveLength(3);
  });
});
