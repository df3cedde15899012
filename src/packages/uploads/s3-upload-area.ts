import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { S3Store, type MetadataValue } from '@tus/s3-store';
import type { KvStore } from '@tus/utils';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { S3Settings } from '../../config/app-config.js';
import { storageKey } from '../../storage/storage-key.js';
import type { StoredUpload, UploadArea } from './upload-area.js';

/** Key prefix of every object a resumable upload leaves in the bucket (`<id>`, `<id>.info`, `<id>.part`). */
export const UPLOADS_PREFIX = 'uploads/';

/**
 * S3Store caches each upload's .info in memory by default; with several instances one of them
 * would then still see an upload another has finished or removed. Reading .info each time costs
 * one small request per tus request.
 */
class NoCache implements KvStore<MetadataValue> {
  get(): Promise<MetadataValue | undefined> {
    return Promise.resolve(undefined);
  }
  set(): Promise<void> {
    return Promise.resolve();
  }
  delete(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Resumable uploads in the package bucket under `uploads/`: tus S3Store sends each PATCH's bytes
 * as parts of an S3 multipart upload (several parts in flight; only a part-sized temp file is
 * kept locally), and a finished upload is copied server-side to its package key.
 */
export class S3UploadArea implements UploadArea {
  readonly store: S3Store;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    settings: S3Settings,
    expiryMs: number,
  ) {
    this.store = new S3Store({
      partSize: 8 * 1024 * 1024,
      maxConcurrentPartUploads: 4,
      useTags: false,
      cache: new NoCache(),
      expirationPeriodInMilliseconds: expiryMs,
      s3ClientConfig: {
        bucket,
        endpoint: settings.endpoint,
        region: settings.region,
        forcePathStyle: settings.forcePathStyle,
        credentials:
          settings.accessKeyId && settings.secretAccessKey
            ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey }
            : undefined,
        // As in createS3Client: S3-compatible stores would store the aws-chunked framing verbatim.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      },
    });
  }

  toUrlId(id: string): string {
    return id.slice(UPLOADS_PREFIX.length);
  }

  fromUrlId(urlId: string): string {
    return UPLOADS_PREFIX + urlId;
  }

  newId(): string {
    return UPLOADS_PREFIX + crypto.randomUUID();
  }

  async read(id: string): Promise<Readable> {
    const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(id) }));
    if (!(response.Body instanceof Readable)) {
      throw new Error(`S3 returned no stream for ${id}`);
    }
    return response.Body;
  }

  async adopt(id: string): Promise<string> {
    const key = storageKey('packages', crypto.randomUUID());
    // Server-side copy: the bytes do not pass through this process (single copy up to 5 GiB).
    await this.client.send(
      new CopyObjectCommand({ Bucket: this.bucket, Key: key, CopySource: `${this.bucket}/${this.key(id)}` }),
    );
    await this.discard(id);
    return key;
  }

  async discard(id: string): Promise<void> {
    // Aborts the multipart upload (its id is in the .info metadata) when there still is one.
    await this.store.remove(id).catch(() => undefined);
    const key = this.key(id);
    await this.client.send(
      new DeleteObjectsCommand({
        Bucket: this.bucket,
        Delete: { Objects: [{ Key: key }, { Key: `${key}.info` }, { Key: `${key}.part` }], Quiet: true },
      }),
    );
  }

  async list(): Promise<StoredUpload[]> {
    const infoDates = new Map<string, Date>();
    const otherDates = new Map<string, Date>();
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: UPLOADS_PREFIX, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        const id = (object.Key ?? '').replace(/\.(info|part)$/, '');
        const at = object.LastModified ?? new Date(0);
        if (object.Key?.endsWith('.info')) {
          infoDates.set(id, at);
        } else if (!otherDates.has(id) || at < otherDates.get(id)!) {
          otherDates.set(id, at);
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    // The .info object is written when the upload is created; without it the oldest object counts.
    const ids = new Set([...infoDates.keys(), ...otherDates.keys()]);
    return [...ids].map((id) => ({ id, createdAt: infoDates.get(id) ?? otherDates.get(id) ?? new Date(0) }));
  }

  private key(id: string): string {
    if (!id.startsWith(UPLOADS_PREFIX)) {
      throw new Error(`Not an upload id: ${id}`);
    }
    return UPLOADS_PREFIX + storageKey(id.slice(UPLOADS_PREFIX.length));
  }
}
