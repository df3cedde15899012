import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { requestIdOf } from '../common/request-id.js';
import type { DownloadPlan } from './packages.service.js';

/**
 * Writes a planned download: validators and range headers, then the bytes streamed from storage.
 * Resolves true when the whole response went out (a client that hangs up resolves false, which is
 * not an error worth a 500 in the logs).
 */
export async function sendDownload(request: Request, response: Response, plan: DownloadPlan): Promise<boolean> {
  const { pkg, range } = plan;
  response.setHeader('ETag', plan.etag);
  response.setHeader('Accept-Ranges', 'bytes');
  response.setHeader('Cache-Control', 'private, no-cache');
  if (plan.status === 304) {
    response.status(304).end();
    return false;
  }
  if (plan.status === 416) {
    response.setHeader('Content-Range', `bytes */${pkg.fileSize}`);
    response.status(416).json({
      statusCode: 416,
      error: STATUS_CODES[416],
      message: `Range "${request.headers.range ?? ''}" is outside the file's ${pkg.fileSize} bytes`,
      requestId: requestIdOf(request),
    });
    return false;
  }
  // Opened before any header is committed, so a storage failure still gets a proper error response.
  const body = request.method === 'HEAD' ? undefined : await plan.open();
  response.status(plan.status);
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
  return pipeline(body, response).then(
    () => true,
    () => false,
  );
}
