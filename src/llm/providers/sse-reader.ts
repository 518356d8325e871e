import { StringDecoder } from 'node:string_decoder';

/** One Server-Sent Event as a provider sent it: `event` is null when the event had no `event:` field. */
export interface SseMessage {
  event: string | null;
  data: string;
}

/**
 * An incremental Server-Sent Events parser (the WHATWG event-stream rules):
 * bytes in any chunking, lines ending in CRLF, LF or CR, multi-line `data`,
 * comments, UTF-8 characters split across chunks. `id` and `retry` are
 * ignored: nothing reconnects to a provider. Synchronous, so a network chunk
 * costs no promise, however many events it holds.
 */
export class SseParser {
  /** `maxEventChars`: the longest line, and the most data one event may gather, in characters. */
  constructor(private readonly maxEventChars = MAX_EVENT_CHARS) {}

  private readonly decoder = new StringDecoder('utf8');
  /** Characters of `data` gathered for the event being read. */
  private dataChars = 0;
  /** The start of a line whose end has not arrived yet. */
  private partial = '';
  /** The previous chunk ended in CR: a LF starting this one belongs to it. */
  private skipLeadingLf = false;
  private data: string[] = [];
  private event: string | null = null;

  /** Parses a chunk and appends the events it completed to `out`. */
  push(chunk: Uint8Array, out: SseMessage[]): void {
    this.parse(this.decoder.write(chunk as Buffer), out);
  }

  /** The stream ended: an event without its closing blank line is dropped, as the format says. */
  end(out: SseMessage[]): void {
    const rest = this.decoder.end();
    if (rest) this.parse(rest, out);
    if (this.partial) this.line(this.partial, out);
    this.partial = '';
    this.data = [];
    this.dataChars = 0;
    this.event = null;
  }

  private parse(text: string, out: SseMessage[]): void {
    let start = 0;
    if (this.skipLeadingLf) {
      this.skipLeadingLf = false;
      if (text.charCodeAt(0) === LF) start = 1;
    }
    const length = text.length;
    for (let i = start; i < length; i++) {
      const c = text.charCodeAt(i);
      if (c !== LF && c !== CR) continue;
      const piece = text.slice(start, i);
      const line = this.partial ? this.partial + piece : piece;
      this.partial = '';
      this.line(line, out);
      if (c === CR) {
        if (i + 1 === length) this.skipLeadingLf = true;
        else if (text.charCodeAt(i + 1) === LF) i++;
      }
      start = i + 1;
    }
    if (start < length) {
      this.partial += text.slice(start);
      if (this.partial.length > this.maxEventChars) throw new SseEventTooLargeError(this.maxEventChars);
    }
  }

  private line(line: string, out: SseMessage[]): void {
    if (line.length === 0) {
      if (this.data.length > 0) {
        out.push({ event: this.event, data: this.data.length === 1 ? this.data[0] : this.data.join('\n') });
      }
      this.data = [];
      this.dataChars = 0;
      this.event = null;
      return;
    }
    if (line.charCodeAt(0) === COLON) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === SPACE) value = value.slice(1);
    if (field === 'data') {
      this.dataChars += value.length + 1;
      if (this.dataChars > this.maxEventChars) throw new SseEventTooLargeError(this.maxEventChars);
      this.data.push(value);
    } else if (field === 'event') this.event = value;
  }
}

/** A provider's event is a few hundred bytes; this bounds what a hostile one makes us hold. */
const MAX_EVENT_CHARS = 1024 * 1024;

/** A line, or an event's data, longer than the parser accepts. */
export class SseEventTooLargeError extends Error {
  constructor(readonly limitChars: number) {
    super(`an event of the provider's stream exceeds ${limitChars} characters`);
    this.name = 'SseEventTooLargeError';
  }
}

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;
