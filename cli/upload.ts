import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { Upload, type DetailedError, type UploadOptions } from 'tus-js-client';
import type { Connection } from './api.js';
import { errorMessage, ApiError, unreachable } from './api.js';
import { CliError } from './errors.js';
import { uploadFingerprint, UploadStore } from './upload-store.js';

export interface UploadRequest {
  file: string;
  /** Package fields, sent as tus Upload-Metadata (the multipart upload's names). */
  fields: Record<string, string | undefined>;
}

export interface UploadCallbacks {
  onProgress: (sent: number, total: number) => void;
  /** Told when an earlier, interrupted upload of the same file is resumed. */
  onResume: (offset: number, total: number) => void;
}

/** Pieces of at most this size: an interruption loses at most one piece, and no request runs for minutes. */
const CHUNK_BYTES = 64 * 1024 * 1024;

/**
 * Uploads a package through the server's resumable (tus) endpoint, streaming the file from disk.
 * The upload's URL is kept in the user's config dir until it finishes, so running the same command
 * again after an interruption (network, Ctrl-C, a killed process) sends only what the server lacks.
 * Resolves to the id of the registered package.
 */
export async function uploadPackage(
  connection: Connection,
  request: UploadRequest,
  callbacks: UploadCallbacks,
  store = new UploadStore(),
): Promise<number> {
  const size = fileSize(request.file);
  const metadata: Record<string, string> = { filename: path.basename(request.file) };
  for (const [name, value] of Object.entries(request.fields)) {
    if (value !== undefined) {
      metadata[name] = value;
    }
  }
  const endpoint = new URL('/api/v1/uploads', connection.server + '/').toString();
  const fingerprint = uploadFingerprint(request.file, connection.server, metadata);
  return new Promise((resolve, reject) => {
    const options: UploadOptions = {
      endpoint,
      metadata,
      uploadSize: size,
      chunkSize: CHUNK_BYTES,
      headers: connection.token ? { Authorization: `Bearer ${connection.token}` } : {},
      retryDelays: [0, 1000, 3000, 5000],
      onShouldRetry: (error) => retriable(error),
      urlStorage: store,
      fingerprint: () => Promise.resolve(fingerprint),
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onProgress: callbacks.onProgress,
      onError: (error) => reject(toCliError(error as DetailedError)),
      onSuccess: ({ lastResponse }) => {
        const id = Number(lastResponse.getHeader('Upload-Package-Id'));
        if (Number.isInteger(id) && id > 0) {
          resolve(id);
        } else {
          reject(new CliError('the server finished the upload but named no package (no Upload-Package-Id)'));
        }
      },
    };
    // tus-js-client reads an fs.ReadStream by its path, one piece at a time, from any offset.
    const upload = new Upload(fs.createReadStream(request.file) as never, options);
    upload
      .findPreviousUploads()
      .then((previous) => {
        const last = previous.sort((a, b) => b.creationTime.localeCompare(a.creationTime))[0];
        if (last) {
          upload.resumeFromPreviousUpload(last);
          void resumedOffset(last.uploadUrl, connection).then((offset) => callbacks.onResume(offset, size));
        }
        upload.start();
      })
      .catch((error: unknown) => reject(toCliError(error as DetailedError)));
  });
}

/** Network failures and server trouble are retried; a refusal (4xx) is final, except a stale offset. */
function retriable(error: DetailedError): boolean {
  const status = error.originalResponse?.getStatus() ?? 0;
  const method = error.originalRequest?.getMethod();
  return status === 0 || status >= 500 || (method === 'PATCH' && (status === 409 || status === 423));
}

function toCliError(error: DetailedError): CliError {
  const response = error.originalResponse;
  if (!response) {
    return unreachable(Object.assign(new Error('upload failed'), { cause: error }));
  }
  let body: unknown;
  try {
    body = JSON.parse(response.getBody() ?? '');
  } catch {
    body = undefined;
  }
  return new ApiError(response.getStatus(), errorMessage(response.getStatus(), body));
}

/** Where the server stands on an upload being resumed (for the message only: 0 when unknown). */
async function resumedOffset(url: string | null, connection: Connection): Promise<number> {
  if (!url) {
    return 0;
  }
  try {
    const { headers } = await plainRequest(connection, 'HEAD', url, { 'Tus-Resumable': '1.0.0' });
    return Number(headers['upload-offset'] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * The package a finished upload registered. Read with node:http rather than fetch: loading fetch's
 * HTTP client at the end of a large upload, while the streamed file's buffers still await collection,
 * added ~30 MiB to the CLI's peak memory.
 */
export async function fetchPackage<T>(connection: Connection, id: number): Promise<T> {
  const url = new URL(`/api/v1/packages/${id}`, connection.server + '/').toString();
  let response: { status: number; headers: http.IncomingHttpHeaders; body: string };
  try {
    response = await plainRequest(connection, 'GET', url, { Accept: 'application/json' });
  } catch (error) {
    throw unreachable(Object.assign(new Error('request failed'), { cause: error }));
  }
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    body = undefined;
  }
  if (response.status !== 200) {
    throw new ApiError(response.status, errorMessage(response.status, body, `package ${id}`));
  }
  return body as T;
}

function plainRequest(
  connection: Connection,
  method: string,
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const transport = url.startsWith('https:') ? https : http;
  const auth: Record<string, string> = connection.token ? { Authorization: `Bearer ${connection.token}` } : {};
  return new Promise((resolve, reject) => {
    const request = transport.request(url, { method, headers: { ...headers, ...auth } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    request.on('error', reject);
    request.end();
  });
}

function fileSize(file: string): number {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) {
      throw new CliError(`package file ${file} is not a regular file`);
    }
    return stat.size;
  } catch (error) {
    if (error instanceof CliError) {
      throw error;
    }
    throw new CliError(`cannot read package file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
