import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable, Transform } from 'node:stream';
import type { S3Settings } from '../config/app-config.js';
import type { BlobStorage, ByteRange, IncompleteWrite, StoredObject } from './blob-storage.js';
import { toStorageError } from './storage.errors.js';

/** 5 MiB is S3's smallest part; two parts in flight bound memory per upload to ~10 MiB. */
const PART_SIZE = 5 * 1024 * 1024;
const QUEUE_SIZE = 2;

export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    credentials:
      settings.accessKeyId && settings.secretAccessKey
        ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey }
        : undefined,
    // With the SDK's default (WHEN_SUPPORTED) streamed bodies are sent aws-chunked with a CRC32
    // trailer, which S3-compatible stores such as s3rver store verbatim, corrupting the object.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // An unreachable store should fail a request in seconds, not hold it for the SDK's default retries.
    maxAttempts: 2,
  });
}

/** Blobs as objects in one bucket of any S3-compatible store; multipart uploads are aborted on failure. */
export class S3BlobStorage implements BlobStorage {
  readonly driver = 's3' as const;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  /** Creates the bucket unless it exists; called once at start. */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      if (!isNotFound(error)) {
        throw error;
      }
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    }
  }

  async put(key: string, body: Readable): Promise<{ size: number }> {
    let size = 0;
    // The counter sits between the caller's stream and the SDK, so an error in the source
    // (a client that goes away mid-upload) reaches the upload and aborts it.
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        callback(null, chunk);
      },
    });
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: counted },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    // Piped by hand, not with pipeline(): when the upload fails the SDK aborts `counted`, and that
    // abort must not reach the caller's stream before the store's own error does.
    let sourceError: unknown;
    const source = new Promise<void>((resolve, reject) => {
      body.once('error', (error) => {
        sourceError = error;
        counted.destroy(error);
        reject(error);
      });
      body.once('end', resolve);
    });
    body.pipe(counted);
    try {
      await Promise.all([source, upload.done()]);
    } catch (error) {
      // The store's failure, named, reaches whoever feeds `body` (a client's upload gets 503, not 500).
      const failure = error === sourceError ? error : toStorageError(error);
      body.unpipe(counted);
      if (failure !== sourceError) {
        body.destroy(failure as Error);
      }
      counted.destroy();
      // While the store is down the abort fails too; what it leaves is found by the reconciler.
      await upload.abort().catch(() => undefined);
      // A small body is sent as one PutObject, which may have completed before the error.
      await this.delete(key).catch(() => undefined);
      await source.catch(() => undefined);
      throw failure;
    }
    return { size };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const response = await this.client
      .send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      )
      .catch(rethrow);
    if (!(response.Body instanceof Readable)) {
      throw new Error('S3 returned no stream for an object');
    }
    return response.Body;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })).catch(rethrow);
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) {
        return false;
      }
      throw toStorageError(error);
    }
  }

  async check(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  space(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    let token: string | undefined;
    do {
      const page = await this.client
        .send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }))
        .catch(rethrow);
      for (const object of page.Contents ?? []) {
        if (object.Key) {
          yield { key: object.Key, size: object.Size ?? 0, modifiedAt: object.LastModified ?? new Date() };
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async *listIncomplete(prefix: string): AsyncIterable<IncompleteWrite> {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.client
        .send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            Prefix: prefix,
            KeyMarker: keyMarker,
            UploadIdMarker: uploadIdMarker,
          }),
        )
        .catch(rethrow);
      for (const upload of page.Uploads ?? []) {
        if (upload.Key && upload.UploadId) {
          yield {
            kind: 'multipart_upload',
            id: upload.UploadId,
            key: upload.Key,
            startedAt: upload.Initiated ?? new Date(),
          };
        }
      }
      const more = page.IsTruncated === true;
      keyMarker = more ? page.NextKeyMarker : undefined;
      uploadIdMarker = more ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
  }

  async abortIncomplete(write: IncompleteWrite): Promise<void> {
    if (write.kind !== 'multipart_upload' || !write.key) {
      throw new Error(`Not a multipart upload: ${write.kind} ${write.id}`);
    }
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: write.key, UploadId: write.id }),
      );
    } catch (error) {
      if (!(error instanceof S3ServiceException && error.name === 'NoSuchUpload')) {
        throw toStorageError(error);
      }
    }
  }
}

/** Turns an outage of the store into StorageUnavailable (use as `.catch(rethrow)`). */
function rethrow(error: unknown): never {
  throw toStorageError(error);
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.$metadata.httpStatusCode === 404 || error.name === 'NotFound' || error.name === 'NoSuchBucket')
  );
}
