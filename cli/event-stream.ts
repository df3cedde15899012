import type { Connection } from './api.js';
import { unreachable } from './api.js';
import { CliError } from './errors.js';
import { SseParser, type ServerSentEvent } from '../src/common/sse-parser.js';

/**
 * Reads GET /api/v1/events (Server-Sent Events with the bearer header, which EventSource cannot
 * send) and calls `onEvent` per event. Resolves when the server ends the stream.
 */
export async function readEvents(
  connection: Connection,
  onEvent: (event: ServerSentEvent) => void,
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
  const parser = new SseParser();
  for await (const chunk of response.body) {
    parser.push(decoder.decode(chunk as Uint8Array, { stream: true })).forEach(onEvent);
  }
}
