import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { postAndAbort, postStreamed, streamedUpload } from '../support/multipart.js';
import {
  binaryParser,
  checkSeedFlow,
  eventually,
  filesystemBlobs,
  SEED_FIELDS,
  upload,
  type BlobView,
} from '../support/packages.js';
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
    await eventually(async () => expect(await blobs.keys()).toEqual(before));
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
    await postAndAbort(`${app.url}/api/v1/packages`, operator, body, 1536 * 1024);
    // Give the server time to notice; the blob store must then be as it was.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await eventually(async () => expect(await blobs.keys()).toEqual(before));
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
    await eventually(async () => expect(await blobs.keys()).toEqual(before));
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
    await eventually(async () => expect(await blobs.keys()).toEqual(before));
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

  it('lists by name with the newest semver first, filters, and pages with X-Total-Count', async () => {
    const name = `sorted-${crypto.randomBytes(3).toString('hex')}`;
    const versions = ['1.2.0', '1.10.0', '1.9.3', '2.0.0-rc.1', '2.0.0', '1.10.0-beta.2', '0.9.0'];
    for (const version of versions) {
      await upload(app.url, operator, Buffer.from(version), { ...SEED_FIELDS, name, version }).expect(201);
    }
    await upload(app.url, operator, Buffer.from('win'), {
      ...SEED_FIELDS,
      name,
      version: '9.0.0',
      platform: 'windows',
    });
    const list = await request(app.url)
      .get('/api/v1/packages')
      .query({ name, platform: 'linux' })
      .set(...auth(viewer));
    expect(list.status).toBe(200);
    expect(list.body.map((p: { version: string }) => p.version)).toEqual([
      '2.0.0',
      '2.0.0-rc.1',
      '1.10.0',
      '1.10.0-beta.2',
      '1.9.3',
      '1.2.0',
      '0.9.0',
    ]);
    expect(list.headers['x-total-count']).toBe('7');
    const page = await request(app.url)
      .get('/api/v1/packages')
      .query({ name: name.toUpperCase(), page: 2, page_size: 3 })
      .set(...auth(viewer))
      .expect(200);
    expect(page.body.map((p: { version: string }) => p.version)).toEqual(['1.10.0', '1.10.0-beta.2', '1.9.3']);
    expect(page.headers['x-total-count']).toBe('8');

    const latest = await request(app.url)
      .get('/api/v1/packages/latest')
      .query({ name })
      .set(...auth(viewer));
    expect(latest.status).toBe(200);
    expect(latest.body.version).toBe('9.0.0');
    const linux = await request(app.url)
      .get('/api/v1/packages/latest')
      .query({ name, platform: 'linux', arch: 'amd64' })
      .set(...auth(viewer))
      .expect(200);
    expect(linux.body.version).toBe('2.0.0');
    await request(app.url)
      .get('/api/v1/packages/latest')
      .query({ name, platform: 'darwin' })
      .set(...auth(viewer))
      .expect(404);
    await request(app.url)
      .get('/api/v1/packages/latest')
      .query({ name: 'no-such-package' })
      .set(...auth(viewer))
      .expect(404);
    await request(app.url)
      .get('/api/v1/packages/latest')
      .set(...auth(viewer))
      .expect(400);
  });

  it('prefers a release for /latest unless pre-releases are asked for', async () => {
    const name = `pre-${crypto.randomBytes(3).toString('hex')}`;
    await upload(app.url, operator, Buffer.from('a'), { ...SEED_FIELDS, name, version: '1.0.0' }).expect(201);
    await upload(app.url, operator, Buffer.from('b'), { ...SEED_FIELDS, name, version: '1.1.0-rc.1' }).expect(201);
    const release = await request(app.url)
      .get('/api/v1/packages/latest')
      .query({ name })
      .set(...auth(viewer));
    expect(release.body.version).toBe('1.0.0');
    const pre = await request(app.url)
      .get('/api/v1/packages/latest')
      .query({ name, include_prerelease: 'true' })
      .set(...auth(viewer));
    expect(pre.body.version).toBe('1.1.0-rc.1');
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

  describe('downloads', () => {
    const file = crypto.randomBytes(10_000);
    let id: number;
    let etag: string;

    beforeAll(async () => {
      const created = await upload(app.url, operator, file, fields()).expect(201);
      id = created.body.id as number;
      etag = `"${sha256(file)}"`;
    });

    const download = (headers: Record<string, string> = {}): request.Test =>
      request(app.url)
        .get(`/api/v1/packages/${id}/download`)
        .set(...auth(viewer))
        .set(headers)
        .buffer(true)
        .parse(binaryParser);

    it('serves exact byte ranges with 206 and Content-Range', async () => {
      const middle = await download({ Range: 'bytes=100-1099' }).expect(206);
      expect((middle.body as Buffer).equals(file.subarray(100, 1100))).toBe(true);
      expect(middle.headers['content-range']).toBe(`bytes 100-1099/${file.length}`);
      expect(middle.headers['content-length']).toBe('1000');
      const suffix = await download({ Range: 'bytes=-10' }).expect(206);
      expect((suffix.body as Buffer).equals(file.subarray(file.length - 10))).toBe(true);
      const open = await download({ Range: 'bytes=9990-' }).expect(206);
      expect((open.body as Buffer).equals(file.subarray(9990))).toBe(true);
    });

    it('answers an unsatisfiable range with 416 and the size', async () => {
      const response = await request(app.url)
        .get(`/api/v1/packages/${id}/download`)
        .set(...auth(viewer))
        .set('Range', `bytes=${file.length}-`)
        .expect(416);
      expect(response.headers['content-range']).toBe(`bytes */${file.length}`);
      expect(response.body.statusCode).toBe(416);
    });

    it('answers If-None-Match with the checksum by 304, and a stale If-Range with the whole file', async () => {
      const notModified = await request(app.url)
        .get(`/api/v1/packages/${id}/download`)
        .set(...auth(viewer))
        .set('If-None-Match', etag)
        .expect(304);
      expect(notModified.headers['etag']).toBe(etag);
      const stale = await download({ Range: 'bytes=0-9', 'If-Range': '"something-else"' }).expect(200);
      expect((stale.body as Buffer).equals(file)).toBe(true);
      const fresh = await download({ Range: 'bytes=0-9', 'If-Range': etag }).expect(206);
      expect((fresh.body as Buffer).equals(file.subarray(0, 10))).toBe(true);
    });

    it('counts downloads that deliver the last byte, and reports storage used in /stats', async () => {
      // A package of its own: counts of the earlier tests' downloads may still be landing.
      id = (await upload(app.url, operator, file, fields()).expect(201)).body.id as number;
      const start = 0;
      await download().expect(200); // +1
      await download({ Range: 'bytes=0-99' }).expect(206); // not the end: +0
      await download({ Range: 'bytes=100-' }).expect(206); // resumes to the end: +1
      await request(app.url)
        .get(`/api/v1/packages/${id}/download`)
        .set(...auth(viewer))
        .set('If-None-Match', etag)
        .expect(304); // +0
      await request(app.url)
        .head(`/api/v1/packages/${id}/download`)
        .set(...auth(viewer))
        .expect(200); // +0
      await eventually(async () => {
        const after = await request(app.url)
          .get(`/api/v1/packages/${id}`)
          .set(...auth(viewer));
        expect(after.body.download_count).toBe(start + 2);
      });

      const all = await request(app.url)
        .get('/api/v1/packages')
        .query({ page_size: 1000 })
        .set(...auth(viewer));
      const stats = await request(app.url)
        .get('/api/v1/packages/stats')
        .query({ top: 1000 })
        .set(...auth(viewer))
        .expect(200);
      const sizes = (all.body as Array<{ file_size: number; download_count: number }>).map((p) => p.file_size);
      expect(stats.body.total_packages).toBe(sizes.length);
      expect(stats.body.total_bytes).toBe(sizes.reduce((a, b) => a + b, 0));
      expect(stats.body.total_downloads).toBeGreaterThanOrEqual(start + 2);
      const ranked = stats.body.packages as Array<{ id: number; download_count: number }>;
      expect(ranked.find((p) => p.id === id)).toEqual(
        expect.objectContaining({ download_count: start + 2, last_downloaded_at: expect.any(String) }),
      );
      const counts = ranked.map((p) => p.download_count);
      expect(counts).toEqual([...counts].sort((a, b) => b - a));
      const top = await request(app.url)
        .get('/api/v1/packages/stats')
        .query({ top: 1 })
        .set(...auth(viewer));
      expect(top.body.packages).toHaveLength(1);
    });
  });

  describe('signatures', () => {
    it('keeps a signature sent as a file part, or as a base64 field', async () => {
      const signature = crypto.randomBytes(512);
      const asPart = await request(app.url)
        .post('/api/v1/packages')
        .set(...auth(operator))
        .attach('file', Buffer.from('signed'), 'agent')
        .attach('signature', signature, 'agent.sig')
        .field(fields());
      expect(asPart.status).toBe(201);
      expect(asPart.body.has_signature).toBe(true);
      const asField = await upload(app.url, operator, Buffer.from('signed'), {
        ...fields(),
        signature: signature.toString('base64'),
      });
      expect(asField.status).toBe(201);
      expect(asField.body.has_signature).toBe(true);
    });

    it('refuses both forms at once, a bad base64 field and an oversized signature, keeping no file', async () => {
      const before = await blobs.keys();
      const both = await request(app.url)
        .post('/api/v1/packages')
        .set(...auth(operator))
        .attach('file', Buffer.from('signed'), 'agent')
        .attach('signature', Buffer.from('sig'), 'agent.sig')
        .field({ ...fields(), signature: 'c2ln' });
      expect(both.status).toBe(400);
      expect(both.body.message).toContain('signature');
      const bad = await upload(app.url, operator, Buffer.from('x'), { ...fields(), signature: '***' });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toContain('signature');
      const huge = await request(app.url)
        .post('/api/v1/packages')
        .set(...auth(operator))
        .attach('file', Buffer.from('signed'), 'agent')
        .attach('signature', crypto.randomBytes(64 * 1024 + 1), 'agent.sig')
        .field(fields());
      expect(huge.status).toBe(413);
      await eventually(async () => expect(await blobs.keys()).toEqual(before));
    });
  });
});
