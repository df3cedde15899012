import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { createS3Client } from '../../src/storage/s3-blob-storage.js';
import { addMultipartListing } from '../../bench/support/s3rver-multipart.js';

/** s3rver's store keeps each multipart upload in a directory of its own until completed or aborted. */
interface MultipartStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
}

export interface TestS3 {
  env: Record<string, string>;
  client: S3Client;
  bucket: string;
  /** Every object key in the bucket (empty when the bucket does not exist yet). */
  keys(): Promise<string[]>;
  read(key: string): Promise<Buffer>;
  /** Multipart uploads begun and neither completed nor aborted. */
  pendingUploads(): Promise<number>;
  close(): Promise<void>;
}

/** A real S3-compatible server (s3rver) on 127.0.0.1 with a fresh directory. */
export async function startS3(bucket = 'agent-packages'): Promise<TestS3> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'opamp-test-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  addMultipartListing(server);
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createS3Client({
    endpoint,
    region: 'us-east-1',
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
  });
  return {
    env: {
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: endpoint,
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
    },
    client,
    bucket,
    async keys() {
      const response = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      return (response.Contents ?? []).map((o) => o.Key ?? '').sort();
    },
    async read(key) {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await response.Body!.transformToByteArray());
    },
    async pendingUploads() {
      const store = (server as unknown as { store: MultipartStore }).store;
      const uploads = store.getResourcePath(bucket, undefined, 'uploads');
      const entries = await fs.promises.readdir(uploads, { withFileTypes: true }).catch(() => []);
      return entries.filter((entry) => entry.isDirectory()).length;
    },
    async close() {
      client.destroy();
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
