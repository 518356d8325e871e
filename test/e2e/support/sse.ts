/** One parsed Server-Sent Event. `data` is JSON-parsed when it parses. */
export interface ParsedSseEvent {
  event: string;
  data: unknown;
  raw: string;
}

/** Parses a complete `text/event-stream` body. */
export function parseSse(text: string): ParsedSseEvent[] {
  const events: ParsedSseEvent[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    if (block.trim() === '') continue;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    const raw = data.join('\n');
    let parsed: unknown = raw;
    try {
      parsed = JSON.parse(raw);
    } catch {
      // not JSON (e.g. [DONE]): keep the text
    }
    events.push({ event, data: parsed, raw });
  }
  return events;
}
