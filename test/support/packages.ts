import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';

/** What a test can see of the blob store, whichever driver holds it. */
export interface BlobView {
  keys(): Promise<string[]>;
  read(key: string): Promise<Buffer>;
}

/** Every file under DATA_DIR/blobs, temp files included, so leftovers of any kind show up. */
export function filesystemBlobs(dataDir: string): BlobView {
  const root = path.join(dataDir, 'blobs');
  return {
    async keys() {
      const entries = await fs.promises.readdir(root, { recursive: true, withFileTypes: true });
      return entries
        .filter((e) => e.isFile())
        .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
        .sort();
    },
    read: (key) => fs.promises.readFile(path.join(root, key)),
  };
}

export interface UploadFields {
  name?: string;
  version?: string;
  platform?: string;
  arch?: string;
  description?: string;
  checksum?: string;
  signature?: string;
}

export const SEED_FIELDS = {
  name: 'opamp-agent',
  version: '1.0.0',
  platform: 'linux',
  arch: 'amd64',
  description: 'Test OpAMP Agent for Linux AMD64',
};

/** The seed's `curl -F` upload: the file part first, then the fields. */
export function upload(
  url: string,
  token: string,
  file: Buffer | undefined,
  fields: UploadFields,
  filename = 'test-agent-v1.0.0',
): request.Test {
  const call = request(url).post('/api/v1/packages').set('Authorization', `Bearer ${token}`);
  if (file) {
    call.attach('file', file, filename);
  }
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) {
      call.field(name, value);
    }
  }
  return call;
}

/** Supertest parser that keeps a binary body as a Buffer. */
export function binaryParser(res: request.Response, callback: (err: Error | null, body: Buffer) => void): void {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => callback(null, Buffer.concat(chunks)));
}

/**
 * The seed's curl flow, checked against the stored bytes: upload, list, get, download, delete.
 * Shared by the filesystem and the s3 suites.
 */
export async function checkSeedFlow(url: string, token: string, blobs: BlobView): Promise<void> {
  const file = Buffer.from('#!/bin/sh\necho "opamp agent v1.0.0"\n');
  const before = await blobs.keys();
  const created = await upload(url, token, file, SEED_FIELDS).expect(201);
  expect(created.body).toEqual({
    id: expect.any(Number),
    ...SEED_FIELDS,
    file_size: file.length,
    checksum: crypto.createHash('sha256').update(file).digest('hex'),
    storage_path: expect.stringMatching(/^packages\/[0-9a-f-]{36}$/),
    is_active: true,
    has_signature: false,
    signature_status: 'unsigned',
    signer_fingerprint: null,
    signature_checked_at: null,
    download_count: 0,
    created_at: expect.any(String),
    updated_at: expect.any(String),
  });
  const { id, storage_path: key } = created.body as { id: number; storage_path: string };
  expect(await blobs.keys()).toEqual([...before, key].sort());
  expect((await blobs.read(key)).equals(file)).toBe(true);

  const list = await request(url).get('/api/v1/packages').set('Authorization', `Bearer ${token}`).expect(200);
  expect(list.body).toEqual(expect.arrayContaining([created.body]));
  expect(Number(list.headers['x-total-count'])).toBe((list.body as unknown[]).length);

  await request(url)
    .get(`/api/v1/packages/${id}`)
    .set('Authorization', `Bearer ${token}`)
    .expect(200)
    .expect((r) => expect(r.body).toEqual(created.body));

  const downloaded = await request(url)
    .get(`/api/v1/packages/${id}/download`)
    .set('Authorization', `Bearer ${token}`)
    .buffer(true)
    .parse(binaryParser)
    .expect(200);
  expect((downloaded.body as Buffer).equals(file)).toBe(true);
  expect(downloaded.headers['content-length']).toBe(String(file.length));
  expect(downloaded.headers['etag']).toBe(`"${created.body.checksum}"`);
  expect(downloaded.headers['content-disposition']).toBe('attachment; filename="test-agent-v1.0.0"');

  await request(url).delete(`/api/v1/packages/${id}`).set('Authorization', `Bearer ${token}`).expect(204);
  expect(await blobs.keys()).toEqual(before);
  await request(url).get(`/api/v1/packages/${id}`).set('Authorization', `Bearer ${token}`).expect(404);
  await request(url).get(`/api/v1/packages/${id}/download`).set('Authorization', `Bearer ${token}`).expect(404);
}
