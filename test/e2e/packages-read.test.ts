import crypto from 'node:crypto';
import request from 'supertest';
import { eventually } from '../support/eventually.js';
import { binaryParser, filesystemBlobs, SEED_FIELDS, upload, type BlobView } from '../support/packages.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('reading packages: listing, latest, downloads, stats, signatures (e2e)', () => {
  let app: TestApp;
  let operator: string;
  let viewer: string;
  let blobs: BlobView;

  beforeAll(async () => {
    app = await startTestApp();
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
        return true;
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
      await eventually(async () => {
        expect(await blobs.keys()).toEqual(before);
        return true;
      });
    });
  });
});
