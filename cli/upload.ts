import fs from 'node:fs';
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
    const response = await fetch(url, {
      method: 'HEAD',
      headers: {
        'Tus-Resumable': '1.0.0',
        ...(connection.token ? { Authorization: `Bearer ${connection.token}` } : {}),
      },
    });
    return Number(response.headers.get('Upload-Offset') ?? 0);
  } catch {
    return 0;
  }
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
