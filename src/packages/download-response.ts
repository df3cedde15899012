import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { DownloadPlan } from './packages.service.js';

/**
 * Writes a planned download: validators and range headers, then the bytes streamed from storage.
 * Written on Node's own request/response types, so the REST API and the agents' route on the
 * OpAMP port share it. Resolves true when the whole body went out (a client that hangs up
 * resolves false, which is not an error worth a 500 in the logs).
 */
export async function sendDownload(
  request: IncomingMessage,
  response: ServerResponse,
  plan: DownloadPlan,
  requestId?: string,
): Promise<boolean> {
  const { pkg, range } = plan;
  response.setHeader('ETag', plan.etag);
  response.setHeader('Accept-Ranges', 'bytes');
  response.setHeader('Cache-Control', 'private, no-cache');
  if (plan.status === 304) {
    response.statusCode = 304;
    response.end();
    return false;
  }
  if (plan.status === 416) {
    const body = JSON.stringify({
      statusCode: 416,
      error: STATUS_CODES[416],
      message: `Range "${request.headers.range ?? ''}" is outside the file's ${pkg.fileSize} bytes`,
      requestId,
    });
    response.statusCode = 416;
    response.setHeader('Content-Range', `bytes */${pkg.fileSize}`);
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.end(body);
    return false;
  }
  // Opened before any header is committed, so a storage failure still gets a proper error response.
  const body = request.method === 'HEAD' ? undefined : await plan.open();
  response.statusCode = plan.status;
  response.setHeader('Content-Type', 'application/octet-stream');
  // fileName holds only [A-Za-z0-9._-] (safeFileName), so it needs no quoting beyond the quotes.
  response.setHeader('Content-Disposition', `attachment; filename="${pkg.fileName}"`);
  response.setHeader('Content-Length', String(range ? range.end - range.start + 1 : pkg.fileSize));
  if (range) {
    response.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${pkg.fileSize}`);
  }
  if (!body) {
    response.end();
    return false;
  }
  // A client that closes as soon as it has the last byte (Content-Length reached) can make the
  // pipeline report a premature close before end() or 'finish': when every byte was handed to the
  // socket, the file was delivered and counts.
  const expected = range ? range.end - range.start + 1 : pkg.fileSize;
  let handedOver = 0;
  body.on('data', (chunk: Buffer) => {
    handedOver += chunk.length;
  });
  return pipeline(body, response).then(
    () => true,
    () => response.writableEnded || handedOver === expected,
  );
}

/** The download headers of a request, as DownloadRequest wants them. */
export function downloadHeaders(request: IncomingMessage): { range?: string; ifNoneMatch?: string; ifRange?: string } {
  const one = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);
  return {
    range: one(request.headers.range),
    ifNoneMatch: one(request.headers['if-none-match']),
    ifRange: one(request.headers['if-range']),
  };
}
