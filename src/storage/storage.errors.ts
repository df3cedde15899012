import { S3ServiceException } from '@aws-sdk/client-s3';
import { DomainError } from '../common/domain-error.js';

/** How long a client should wait before retrying when the store is down. */
export const STORAGE_RETRY_AFTER_SECONDS = 30;

/** The volume holding package files has no room left (ENOSPC, EDQUOT): 507. */
export class StorageFull extends DomainError {
  constructor() {
    super(
      'insufficient_storage',
      'StorageFull',
      'Package storage is full (no space left on the storage volume); free space or enlarge it, then retry',
    );
  }
}

/** The store cannot be written or reached right now (read-only volume, I/O error, S3 outage): 503. */
export class StorageUnavailable extends DomainError {
  constructor(cause: string) {
    super(
      'unavailable',
      'StorageUnavailable',
      `Package storage is unavailable: ${cause}; retry later`,
      STORAGE_RETRY_AFTER_SECONDS,
    );
  }
}

/** Errors of the local volume: 'full', or the cause an operator reads. */
const LOCAL_CAUSES: Record<string, string> = {
  ENOSPC: 'full',
  EDQUOT: 'full',
  EROFS: 'the storage volume is read-only',
  EIO: 'I/O error on the storage volume',
  EACCES: 'the server may not write to the storage volume',
  EPERM: 'the server may not write to the storage volume',
};

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

/**
 * The domain error for a failure of the store itself, or `error` unchanged when it is not one.
 * Messages name the cause only: never a path, a key, an endpoint or a credential.
 */
export function toStorageError(error: unknown): unknown {
  if (error instanceof DomainError) {
    return error;
  }
  const code = errorCode(error);
  const local = code !== undefined && Object.hasOwn(LOCAL_CAUSES, code) ? LOCAL_CAUSES[code] : undefined;
  if (local !== undefined) {
    return local === 'full' ? new StorageFull() : new StorageUnavailable(local);
  }
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode ?? 0;
    if (status >= 500) {
      return new StorageUnavailable(`the S3 store answered ${status} (${error.name})`);
    }
    if (status === 401 || status === 403) {
      return new StorageUnavailable(`the S3 store refused the server's credentials (${error.name})`);
    }
    return error;
  }
  const name = (error as { name?: unknown } | null)?.name;
  if ((code !== undefined && NETWORK_CODES.has(code)) || name === 'TimeoutError') {
    return new StorageUnavailable('the S3 store cannot be reached');
  }
  return error;
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  // The SDK and undici wrap the socket error: look a few causes deep.
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      return code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
