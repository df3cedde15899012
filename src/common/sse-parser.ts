/** One event of a `text/event-stream`: its `event:` name (default `message`) and its joined `data:` lines. */
export interface ServerSentEvent {
  event: string;
  data: string;
}

/**
 * Incremental parser of a `text/event-stream` body, shared by the console, opampctl and the tests
 * (all read the stream with fetch(), since EventSource cannot send a bearer header). Feed it text
 * as it arrives; it returns the events completed by that chunk. Pure string code: no Node or DOM API.
 */
export class SseParser {
  private buffer = '';

  push(text: string): ServerSentEvent[] {
    this.buffer += text.replace(/\r\n?/g, '\n');
    const events: ServerSentEvent[] = [];
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const event = parseBlock(this.buffer.slice(0, end));
      this.buffer = this.buffer.slice(end + 2);
      if (event) {
        events.push(event);
      }
    }
    return events;
  }
}

/** A block without `data:` lines (a comment, a keep-alive) is no event. */
function parseBlock(block: string): ServerSentEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') {
      event = value;
    } else if (field === 'data') {
      data.push(value);
    }
  }
  return data.length > 0 ? { event, data: data.join('\n') } : undefined;
}
