import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import zlib from 'node:zlib';

export const PROTOBUF = 'application/x-protobuf';
/** Smaller replies are not worth the CPU of gzip. */
const GZIP_ABOVE_BYTES = 256;

/** Answers a WebSocket upgrade with a plain HTTP error and closes the socket. */
export function refuseUpgrade(
  socket: Duplex,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  const lines = [
    `HTTP/1.1 ${status} ${text}`,
    'Connection: close',
    'Content-Type: text/plain',
    `Content-Length: ${text.length}`,
  ];
  for (const [key, value] of Object.entries(headers)) {
    lines.push(`${key}: ${value}`);
  }
  socket.end(`${lines.join('\r\n')}\r\n\r\n${text}`);
}

export function sendText(
  response: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers }).end(text);
}

/** Sends an encoded ServerToAgent, gzipped when the agent accepts it and it is worth it. */
export function sendProtobufBody(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  encoded: Uint8Array,
  headers: Record<string, string> = {},
): void {
  let body = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  // Exactly this Content-Type: strict clients compare the whole header value.
  const out: Record<string, string> = { 'Content-Type': PROTOBUF, ...headers };
  if (body.length > GZIP_ABOVE_BYTES && /\bgzip\b/i.test(request.headers['accept-encoding'] ?? '')) {
    body = zlib.gzipSync(body);
    out['Content-Encoding'] = 'gzip';
  }
  out['Content-Length'] = String(body.length);
  // A 413's body is still arriving (being drained): closing now would reset the answer away.
  if (status >= 400 && status !== 413) {
    out.Connection = 'close';
  }
  response.writeHead(status, out).end(body);
}

export function pathOf(request: IncomingMessage): string {
  return (request.url ?? '/').split('?')[0];
}

/** The URL the agent used, as it would see it (behind a TLS proxy: wss/https). */
export function endpointOf(request: IncomingMessage, scheme: 'ws' | 'http', path: string): string {
  const secure = request.headers['x-forwarded-proto'] === 'https';
  const protocol = scheme === 'ws' ? (secure ? 'wss' : 'ws') : secure ? 'https' : 'http';
  return `${protocol}://${request.headers.host ?? 'localhost'}${path}`;
}
