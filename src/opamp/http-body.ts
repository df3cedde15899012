import type { IncomingMessage } from 'node:http';
import zlib from 'node:zlib';

export class BodyTooLargeError extends Error {}
export class BodyEncodingError extends Error {}

/**
 * Reads a request body, inflating `Content-Encoding: gzip`, and stops as soon as the
 * decompressed size passes `limit` (so a gzip bomb costs at most `limit` bytes).
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? NaN);
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity' && declared > limit) {
    request.resume(); // read and drop the body: closing on unread data would reset the 413 away
    return Promise.reject(new BodyTooLargeError(`body of ${declared} bytes exceeds the limit of ${limit}`));
  }
  if (encoding !== 'identity' && encoding !== 'gzip') {
    return Promise.reject(new BodyEncodingError(`unsupported Content-Encoding: ${encoding}`));
  }
  const source = encoding === 'gzip' ? request.pipe(zlib.createGunzip()) : request;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (error: Error): void => {
      source.removeAllListeners('data');
      request.unpipe();
      request.resume(); // drain the rest so the socket can answer
      reject(error);
    };
    source.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        fail(new BodyTooLargeError(`decompressed body exceeds the limit of ${limit} bytes`));
        if (source !== request) {
          source.destroy();
        }
        return;
      }
      chunks.push(chunk);
    });
    source.once('end', () => resolve(Buffer.concat(chunks, size)));
    source.once('error', (error: Error) => fail(new BodyEncodingError(`cannot read body: ${error.message}`)));
    request.once('aborted', () => fail(new BodyEncodingError('request aborted')));
  });
}

/**
 * Resolves once a refused request's body has been read and dropped, or after `maxMs`: answering
 * and closing while the client is still sending makes the kernel reset the connection, and the
 * client then loses the answer (a 413 it never sees).
 */
export function drained(request: IncomingMessage, maxMs: number): Promise<void> {
  if (request.complete || request.destroyed) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      request.off('end', done);
      request.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, maxMs);
    request.once('end', done);
    request.once('close', done);
    request.resume();
  });
}
