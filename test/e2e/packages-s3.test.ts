import crypto from 'node:crypto';
import request from 'supertest';
import { postAndAbort, postStreamed, streamedUpload } from '../support/multipart.js';
import { eventually } from '../support/eventually.js';
import { binaryParser, checkSeedFlow, SEED_FIELDS, upload } from '../support/packages.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('packages on the s3 driver, against s3rver (e2e)', () => {
  let s3: TestS3;
  let app: TestApp;
  let admin: string;

  beforeAll(async () => {
    s3 = await startS3();
    app = await startTestApp(s3.env);
    admin = await app.login();
  });

  afterAll(async () => {
    await app.close();
    await s3.close();
  });

  const fields = (overrides: Record<string, string> = {}): Record<string, string> => ({
    ...SEED_FIELDS,
    name: `agent-${crypto.randomBytes(4).toString('hex')}`,
    ...overrides,
  });

  it('creates the bucket at start and reports the driver in /health', async () => {
    expect(await s3.keys()).toEqual([]);
    const health = await request(app.url).get('/health').expect(200);
    expect(health.body.storage).toEqual({ status: 'up', driver: 's3' });
  });

  it('runs the seed curl flow with the object read back through the S3 API', async () => {
    await checkSeedFlow(app.url, admin, s3);
  });

  it('stores a multipart-sized upload byte for byte and serves ranges from the object', async () => {
    // Over 5 MiB, so lib-storage uses a multipart upload; fields after the file, as curl may send them.
    const size = 11 * 1024 * 1024 + 3;
    const body = streamedUpload(fields(), size, { fieldsAfterFile: true });
    const created = await postStreamed(`${app.url}/api/v1/packages`, admin, body);
    expect(created.status).toBe(201);
    const stored = await s3.read(created.body.storage_path as string);
    expect(stored.length).toBe(size);
    expect(crypto.createHash('sha256').update(stored).digest('hex')).toBe(body.sha256());
    expect(created.body.checksum).toBe(body.sha256());
    const range = await request(app.url)
      .get(`/api/v1/packages/${Number(created.body.id)}/download`)
      .set('Authorization', `Bearer ${admin}`)
      .set('Range', 'bytes=5242870-5242889')
      .buffer(true)
      .parse(binaryParser)
      .expect(206);
    expect((range.body as Buffer).equals(stored.subarray(5242870, 5242890))).toBe(true);
    await request(app.url)
      .delete(`/api/v1/packages/${Number(created.body.id)}`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(204);
    expect(await s3.keys()).not.toContain(created.body.storage_path);
  });

  it('leaves no new object after a duplicate (409) or a checksum mismatch (422)', async () => {
    const f = fields();
    await upload(app.url, admin, Buffer.from('one'), f).expect(201);
    const before = await s3.keys();
    await upload(app.url, admin, Buffer.from('two'), f).expect(409);
    await upload(app.url, admin, Buffer.from('three'), { ...fields(), checksum: '00'.repeat(32) }).expect(422);
    expect(await s3.keys()).toEqual(before);
  });

  it('leaves no object and no row when the client dies halfway through a multipart upload', async () => {
    const before = await s3.keys();
    const f = fields();
    // Cut only once the server has started the multipart upload, then wait for it to be aborted.
    await postAndAbort(`${app.url}/api/v1/packages`, admin, streamedUpload(f, 16 * 1024 * 1024), 9 * 1024 * 1024, () =>
      eventually(async () => (await s3.pendingUploads()) > 0, 10_000),
    );
    await eventually(async () => (await s3.pendingUploads()) === 0, 10_000);
    expect(await s3.keys()).toEqual(before);
    const list = await request(app.url)
      .get('/api/v1/packages')
      .query({ name: f.name })
      .set('Authorization', `Bearer ${admin}`);
    expect(list.body).toEqual([]);
  });
});
