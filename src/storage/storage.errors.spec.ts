import { S3ServiceException } from '@aws-sdk/client-s3';
import { StorageFull, StorageUnavailable, toStorageError } from './storage.errors.js';

function withCode(code: string, message = `${code}: /srv/data/blobs/.tmp/x`): Error {
  return Object.assign(new Error(message), { code });
}

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

describe('toStorageError', () => {
  it('maps a full volume to StorageFull (507) and a read-only one to StorageUnavailable (503, Retry-After)', () => {
    expect(toStorageError(withCode('ENOSPC'))).toBeInstanceOf(StorageFull);
    expect(toStorageError(withCode('EDQUOT'))).toBeInstanceOf(StorageFull);
    const readOnly = toStorageError(withCode('EROFS')) as StorageUnavailable;
    expect(readOnly).toBeInstanceOf(StorageUnavailable);
    expect(readOnly.retryAfterSeconds).toBe(30);
    expect(readOnly.message).toMatch(/read-only/);
    expect(readOnly.message).not.toContain('/srv');
  });

  it('maps an unreachable or failing S3 store, looking through wrapped causes', () => {
    const wrapped = Object.assign(new Error('fetch failed'), { cause: withCode('ECONNREFUSED') });
    expect(toStorageError(wrapped)).toBeInstanceOf(StorageUnavailable);
    expect((toStorageError(s3Error('InternalError', 500)) as Error).message).toMatch(/answered 500/);
    expect((toStorageError(s3Error('InvalidAccessKeyId', 403)) as Error).message).toMatch(/credentials/);
  });

  it('leaves every other error alone (a client going away is not a storage outage)', () => {
    const premature = withCode('ERR_STREAM_PREMATURE_CLOSE');
    expect(toStorageError(premature)).toBe(premature);
    const notFound = s3Error('NoSuchKey', 404);
    expect(toStorageError(notFound)).toBe(notFound);
    expect(toStorageError(withCode('toString'))).toEqual(withCode('toString'));
  });
});
