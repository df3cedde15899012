import type { Connection } from './api.js';
import { unreachable } from './api.js';
import { CliError } from './errors.js';

export interface ServerEvent {
  event: string;
  data: string;
}

/**
 * Reads GET /api/v1/events (Server-Sent Events with the bearer header, which EventSource cannot
 * send) and calls `onEvent` per event. Resolves when the server ends the stream.
 */
export async function readEvents(
  connection: Connection,
  onEvent: (event: ServerEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`${connection.server}/api/v1/events`, {
      headers: {
        Accept: 'text/event-stream',
        ...(connection.token ? { Authorization: `Bearer ${connection.token}` } : {}),
      },
      signal,
    });
  } catch (error) {
    throw unreachable(error);
  }
  if (!response.ok || !response.body) {
    throw new CliError(
      response.status === 401
        ? 'not authenticated (missing, expired or revoked token): run `opampctl login` or set OPAMP_TOKEN'
        : `event stream refused: ${response.status}`,
    );
  }
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const parsed = parseBlock(block);
      if (parsed) {
        onEvent(parsed);
      }
    }
  }
}

function parseBlock(block: string): ServerEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) {
      event = line.slice(6).trim();
    } else if (line.startsWith('data:')) {
      data.push(line.slice(5).trimStart());
    }
  }
  return data.length > 0 ? { event, data: data.join('\n') } : undefined;
}
