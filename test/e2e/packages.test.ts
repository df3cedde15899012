import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { postAndAbort, postStreamed, streamedUpload } from '../support/multipart.js';
import { eventually } from '../support/eventually.js';
import { checkSeedFlow, filesystemBlobs, SEED_FIELDS, upload, type BlobView } from '../support/packages.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const MAX_BYTES = 4 * 1024 * 1024;

describe('packages on the filesystem driver (e2e)', () => {
  let app: TestApp;
  let admin: string;
  let operator: string;
  let viewer: string;
  let blobs: BlobView;

  beforeAll(async () => {
    app = await startTestApp({ PACKAGE_MAX_BYTES: String(MAX_BYTES) });
    admin = await app.login();
    operator = await app.tokenFor('operator');
    viewer = await app.tokenFor('viewer');
    blobs = filesystemBlobs(app.dataDir);
  });

  afterAll(async () => {
    await app.close();
  });

  const auth = (token: string): [string, string] => ['Authorization', `Bearer ${token}`];
  const sha256 = (data: Buffer): string => crypto.createHash('sha256').update(data).digest('hex');
  const fields = (overrides: Record<string, string> = {}): Record<string, string> => ({
    ...SEED_FIELDS,
    name: `agent-${crypto.randomBytes(4).toString('hex')}`,
    ...overrides,
  });

  it('runs the seed curl flow: upload, list, get, download byte for byte, delete with the file', async () => {
    await checkSeedFlow(app.url, admin, blobs);
  });

  it('lets an operator upload, refuses a viewer with 403 and keeps deletes for admins', async () => {
    const file = Buffer.from('operator file');
    const before = await blobs.keys();
    await upload(app.url, viewer, file, fields()).expect(403);
    expect(await blobs.keys()).toEqual(before);
    const created = await upload(app.url, operator, file, fields()).expect(201);
    await request(app.url)
      .delete(`/api/v1/packages/${created.body.id}`)
      .set(...auth(operator))
      .expect(403);
    await request(app.url)
      .delete(`/api/v1/packages/${created.body.id}`)
      .set(...auth(admin))
      .expect(204);
    await request(app.url)
      .delete(`/api/v1/packages/${created.body.id}`)
      .set(...auth(admin))
      .expect(404);
    await upload(app.url, '', file, fields()).expect(401);
  });

  it('accepts the fields after the file part and verifies a matching checksum', async () => {
    const body = streamedUpload(fields({ version: '2.0.0' }), 1024 * 1024 + 17, { fieldsAfterFile: true });
    const response = await postStreamed(`${app.url}/api/v1/packages`, operator, body);
    expect(response.status).toBe(201);
    expect(response.body.checksum).toBe(body.sha256());
    expect(response.body.file_size).toBe(1024 * 1024 + 17);

    const file = Buffer.from('checked');
    const checked = await upload(app.url, operator, file, fields({ checksum: sha256(file).toUpperCase() }));
    expect(checked.status).toBe(201);
    expect(checked.body.checksum).toBe(sha256(file));
  });

  it('refuses a checksum mismatch with 422 and keeps neither row nor file', async () => {
    const before = await blobs.keys();
    const f = fields();
    const response = await upload(app.url, operator, Buffer.from('real bytes'), { ...f, checksum: 'ab'.repeat(32) });
    expect(response.status).toBe(422);
    expect(response.body.message).toContain('checksum mismatch');
    expect(await blobs.keys()).toEqual(before);
    const list = await request(app.url)
      .get('/api/v1/packages')
      .query({ name: f.name })
      .set(...auth(admin));
    expect(list.body).toEqual([]);
  });

  it('refuses a duplicate name, version, platform and arch with 409 and leaves no new file', async () => {
    const f = fields();
    await upload(app.url, operator, Buffer.from('first'), f).expect(201);
    const before = await blobs.keys();
    const duplicate = await upload(app.url, operator, Buffer.from('second'), { ...f, name: f.name.toUpperCase() });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.message).toContain('already exists');
    expect(await blobs.keys()).toEqual(before);
    // Another platform or arch is another package.
    await upload(app.url, operator, Buffer.from('arm'), { ...f, arch: 'arm64' }).expect(201);
  });

  it('refuses a file over PACKAGE_MAX_BYTES with 413 and keeps nothing', async () => {
    const before = await blobs.keys();
    const f = fields();
    const body = streamedUpload(f, MAX_BYTES + 1);
    const response = await postStreamed(`${app.url}/api/v1/packages`, operator, body);
    expect(response.status).toBe(413);
    expect(response.body.message).toContain(`${MAX_BYTES} bytes`);
    await eventually(async () => {
      expect(await blobs.keys()).toEqual(before);
      return true;
    });
    const list = await request(app.url)
      .get('/api/v1/packages')
      .query({ name: f.name })
      .set(...auth(admin));
    expect(list.body).toEqual([]);
    // Exactly the limit is allowed.
    const exact = await postStreamed(`${app.url}/api/v1/packages`, operator, streamedUpload(fields(), MAX_BYTES));
    expect(exact.status).toBe(201);
  });

  it('leaves no row and no file when the client dies halfway through a large upload', async () => {
    const before = await blobs.keys();
    const f = fields();
    const body = streamedUpload(f, 3 * 1024 * 1024);
    // Cut only once the server is writing the file (its temp file shows), so the check below sees the
    // cleanup rather than a server that has not started yet.
    await postAndAbort(`${app.url}/api/v1/packages`, operator, body, 1536 * 1024, () =>
      eventually(async () => (await blobs.keys()).some((key) => key.startsWith('.tmp/'))),
    );
    await eventually(async () => {
      expect(await blobs.keys()).toEqual(before);
      return true;
    });
    const list = await request(app.url)
      .get('/api/v1/packages')
      .query({ name: f.name })
      .set(...auth(admin));
    expect(list.body).toEqual([]);
    // The server is still fine.
    await upload(app.url, operator, Buffer.from('after abort'), f).expect(201);
  });

  it.each([
    ['version', { version: 'v1.0.0' }],
    ['version', { version: '1.0' }],
    ['platform', { platform: 'plan9' }],
    ['arch', { arch: 'x86_64' }],
    ['name', { name: '../../etc' }],
    ['name', { name: 'a/b' }],
    ['name', { name: '..' }],
    ['name', { name: '' }],
    ['checksum', { checksum: 'not-hex' }],
  ])('refuses a bad %s (%j) with 400 naming the field and keeps no file', async (field, override) => {
    const before = await blobs.keys();
    const response = await upload(app.url, operator, Buffer.from('x'), fields(override));
    expect(response.status).toBe(400);
    expect(response.body.message).toContain(field);
    await eventually(async () => {
      expect(await blobs.keys()).toEqual(before);
      return true;
    });
  });

  it('refuses an upload without a file, or with an unknown field, with 400', async () => {
    const missing = await upload(app.url, operator, undefined, fields());
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('file is required');
    const before = await blobs.keys();
    const extra = await upload(app.url, operator, Buffer.from('x'), { ...fields(), owner: 'me' } as Record<
      string,
      string
    >);
    expect(extra.status).toBe(400);
    await eventually(async () => {
      expect(await blobs.keys()).toEqual(before);
      return true;
    });
  });

  it('stores a path-like file name safely, inside the blob root, and serves a safe file name', async () => {
    const created = await upload(app.url, operator, Buffer.from('payload'), fields(), '../../../../tmp/evil name"x');
    expect(created.status).toBe(201);
    const stored = path.resolve(app.dataDir, 'blobs', created.body.storage_path as string);
    expect(stored.startsWith(path.resolve(app.dataDir, 'blobs') + path.sep)).toBe(true);
    expect(fs.readFileSync(stored, 'utf8')).toBe('payload');
    const download = await request(app.url)
      .get(`/api/v1/packages/${created.body.id}/download`)
      .set(...auth(viewer))
      .expect(200);
    expect(download.headers['content-disposition']).toBe('attachment; filename="evil_name_x"');
  });

  it('answers 404 for an unknown id and 400 for one that is not an integer', async () => {
    await request(app.url)
      .get('/api/v1/packages/999999')
      .set(...auth(viewer))
      .expect(404);
    await request(app.url)
      .get('/api/v1/packages/99999999999999')
      .set(...auth(viewer))
      .expect(404);
    const bad = await request(app.url)
      .get('/api/v1/packages/abc')
      .set(...auth(viewer))
      .expect(400);
    expect(bad.body.message).toContain('numeric');
    await request(app.url)
      .get('/api/v1/packages/1.5/download')
      .set(...auth(viewer))
      .expect(400);
    await request(app.url)
      .delete('/api/v1/packages/abc')
      .set(...auth(admin))
      .expect(400);
    await request(app.url)
      .delete('/api/v1/packages/999999')
      .set(...auth(admin))
      .expect(404);
  });

  it('answers 503 naming the package when its file vanished from storage, and still deletes it', async () => {
    const created = await upload(app.url, operator, Buffer.from('soon gone'), fields()).expect(201);
    fs.rmSync(path.join(app.dataDir, 'blobs', created.body.storage_path as string));
    const response = await request(app.url)
      .get(`/api/v1/packages/${created.body.id}/download`)
      .set(...auth(viewer))
      .expect(503);
    expect(response.body.message).toContain(`package ${created.body.id} is missing`);
    await request(app.url)
      .delete(`/api/v1/packages/${created.body.id}`)
      .set(...auth(admin))
      .expect(204);
  });
});
