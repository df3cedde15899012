import http from 'node:http';
import request from 'supertest';

/** tus Upload-Metadata: comma-separated `key base64(value)` pairs. */
export function tusMetadata(fields: Record<string, string | undefined>): string {
  return Object.entries(fields)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
    .join(',');
}

/** POST /api/v1/uploads (tus creation). */
export function createUpload(
  url: string,
  token: string,
  size: number,
  fields: Record<string, string | undefined>,
): request.Test {
  return request(url)
    .post('/api/v1/uploads')
    .set('Authorization', `Bearer ${token}`)
    .set('Tus-Resumable', '1.0.0')
    .set('Upload-Length', String(size))
    .set('Upload-Metadata', tusMetadata(fields));
}

/** The offset the server holds for an upload (HEAD); throws on anything but 200. */
export async function uploadOffset(url: string, token: string, location: string): Promise<number> {
  const response = await request(url)
    .head(location)
    .set('Authorization', `Bearer ${token}`)
    .set('Tus-Resumable', '1.0.0')
    .expect(200);
  return Number(response.headers['upload-offset']);
}

/** PATCH one piece from `offset`. */
export function patchUpload(url: string, token: string, location: string, offset: number, body: Buffer): request.Test {
  return request(url)
    .patch(location)
    .set('Authorization', `Bearer ${token}`)
    .set('Tus-Resumable', '1.0.0')
    .set('Upload-Offset', String(offset))
    .set('Content-Type', 'application/offset+octet-stream')
    .send(body);
}

/**
 * Starts a PATCH announcing all of `body` but sends only `sent` bytes, then drops the connection,
 * as a client losing its network mid-piece does.
 */
export async function patchAndCut(
  url: string,
  token: string,
  location: string,
  offset: number,
  body: Buffer,
  sent: number,
  settled: () => Promise<void>,
): Promise<void> {
  const target = new URL(location, url);
  const req = http.request(target, {
    method: 'PATCH',
    headers: {
      Authorization: `Bearer ${token}`,
      'Tus-Resumable': '1.0.0',
      'Upload-Offset': String(offset),
      'Content-Type': 'application/offset+octet-stream',
      'Content-Length': String(body.length),
    },
  });
  req.on('error', () => undefined);
  await new Promise<void>((resolve) => req.write(body.subarray(0, sent), () => resolve()));
  await settled();
  req.destroy();
}
