import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createTestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { binaryParser, filesystemBlobs, SEED_FIELDS, type BlobView } from '../support/packages.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { makeSigner, signDetached } from '../support/signing.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUpload, patchAndCut, patchUpload, uploadOffset } from '../support/tus.js';

const MIB = 1024 * 1024;
const sha256 = (data: Buffer): string => crypto.createHash('sha256').update(data).digest('hex');
const fields = (): Record<string, string> => ({
  ...SEED_FIELDS,
  name: `agent-${crypto.randomBytes(4).toString('hex')}`,
  filename: 'agent-big.bin',
});

/** A server on a database and data dir of its own that can be stopped and started again on them. */
class RestartableApp {
  app!: TestApp;
  private constructor(private readonly env: Record<string, string>) {}

  static async start(env: Record<string, string>): Promise<RestartableApp> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opamp-test-uploads-'));
    const sut = new RestartableApp({ ...env, DATA_DIR: dataDir, DATABASE_URL: await createTestDatabase() });
    sut.app = await startTestApp(sut.env);
    return sut;
  }

  get dataDir(): string {
    return this.env.DATA_DIR;
  }

  async restart(): Promise<void> {
    await this.app.close();
    this.app = await startTestApp(this.env);
  }

  async close(): Promise<void> {
    await this.app.close();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

describe.each(['filesystem', 's3'] as const)('resumable uploads (tus) on %s (e2e)', (driver) => {
  let s3: TestS3 | undefined;
  let server: RestartableApp;
  let blobs: BlobView;
  let token: string;

  beforeAll(async () => {
    s3 = driver === 's3' ? await startS3('tus-uploads') : undefined;
    server = await RestartableApp.start(s3?.env ?? {});
    blobs = s3 ?? filesystemBlobs(server.dataDir);
    token = await server.app.tokenFor('operator');
  });

  afterAll(async () => {
    await server.close();
    await s3?.close();
  });

  const url = (): string => server.app.url;
  const uploadKeys = async (): Promise<string[]> =>
    (await blobs.keys()).filter((k) => k.startsWith('.uploads/') || k.startsWith('uploads/'));

  it('survives a connection cut mid-piece and a server restart, and stores the exact file', async () => {
    const file = crypto.randomBytes(13 * MIB + 5);
    const before = await blobs.keys();
    const created = await createUpload(url(), token, file.length, fields()).expect(201);
    const location = created.headers.location;
    expect(location).toMatch(/^\/api\/v1\/uploads\/[0-9a-f-]{36}$/);

    const first = await patchUpload(url(), token, location, 0, file.subarray(0, 6 * MIB)).expect(204);
    expect(Number(first.headers['upload-offset'])).toBe(6 * MIB);
    // The second piece is cut after 3 MiB, then the server restarts before the client comes back.
    await patchAndCut(url(), token, location, 6 * MIB, file.subarray(6 * MIB), 3 * MIB, async () => {
      if (driver === 'filesystem') {
        await eventually(async () => {
          expect(await uploadOffset(url(), token, location)).toBeGreaterThan(6 * MIB);
          return true;
        });
      } else {
        // S3 keeps the bytes of an unfinished part in a temp file until the request ends.
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    });
    await server.restart();
    token = await server.app.tokenFor('operator');
    const resumeAt = await uploadOffset(url(), token, location);
    expect(resumeAt).toBeGreaterThanOrEqual(6 * MIB);
    expect(resumeAt).toBeLessThanOrEqual(9 * MIB);

    const last = await patchUpload(url(), token, location, resumeAt, file.subarray(resumeAt)).expect(204);
    const id = Number(last.headers['upload-package-id']);
    expect(id).toBeGreaterThan(0);
    const pkg = await request(url()).get(`/api/v1/packages/${id}`).set('Authorization', `Bearer ${token}`).expect(200);
    expect(pkg.body).toMatchObject({ file_size: file.length, checksum: sha256(file), signature_status: 'unsigned' });
    const downloaded = await request(url())
      .get(`/api/v1/packages/${id}/download`)
      .set('Authorization', `Bearer ${token}`)
      .buffer(true)
      .parse(binaryParser)
      .expect(200);
    expect(sha256(downloaded.body as Buffer)).toBe(sha256(file));
    // The upload is gone (HEAD 404) and only the package's blob was added.
    await request(url())
      .head(location)
      .set('Authorization', `Bearer ${token}`)
      .set('Tus-Resumable', '1.0.0')
      .expect(404);
    expect(await blobs.keys()).toEqual([...before, pkg.body.storage_path as string].sort());
  });

  it('checks a signature from the metadata on the bytes as they came, and the checksum', async () => {
    const signer = await makeSigner();
    await request(url())
      .post('/api/v1/signing-keys')
      .set('Authorization', `Bearer ${await server.app.tokenFor('admin')}`)
      .send({ armored_key: signer.armoredPublicKey })
      .expect(201);
    const file = crypto.randomBytes(6 * MIB + 1);
    const signature = (await signDetached(signer, file)).toString('base64');
    const created = await createUpload(url(), token, file.length, {
      ...fields(),
      checksum: sha256(file),
      signature,
    }).expect(201);
    const location = created.headers.location;
    await patchUpload(url(), token, location, 0, file.subarray(0, 5 * MIB + 7)).expect(204);
    const done = await patchUpload(url(), token, location, 5 * MIB + 7, file.subarray(5 * MIB + 7)).expect(204);
    const pkg = await request(url())
      .get(`/api/v1/packages/${Number(done.headers['upload-package-id'])}`)
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(pkg.body).toMatchObject({ signature_status: 'valid', signer_fingerprint: signer.fingerprint });
  });

  it('refuses bad metadata, duplicates and roles at creation, and a wrong checksum at the end, keeping nothing', async () => {
    const before = await blobs.keys();
    const missing = await createUpload(url(), token, 10, { ...fields(), version: 'one' }).expect(400);
    expect(JSON.parse(missing.text).message).toMatch(/semantic version/);
    await createUpload(url(), token, 10, { ...fields(), signature: 'not base64 !' }).expect(400);
    await createUpload(url(), await server.app.tokenFor('viewer'), 10, fields()).expect(403);
    await request(url()).post('/api/v1/uploads').set('Tus-Resumable', '1.0.0').set('Upload-Length', '10').expect(401);
    await createUpload(url(), token, server.app.config.packageMaxBytes + 1, fields()).expect(413);

    const f = fields();
    const created = await createUpload(url(), token, 3, f).expect(201);
    await patchUpload(url(), token, created.headers.location, 0, Buffer.from('one')).expect(204);
    const duplicate = await createUpload(url(), token, 3, f).expect(409);
    expect(JSON.parse(duplicate.text).message).toMatch(/already exists/);
    const kept = await blobs.keys();

    const wrong = await createUpload(url(), token, 5, { ...fields(), checksum: '00'.repeat(32) }).expect(201);
    const refused = await patchUpload(url(), token, wrong.headers.location, 0, Buffer.from('hello')).expect(422);
    expect(JSON.parse(refused.text)).toMatchObject({
      statusCode: 422,
      message: expect.stringMatching(/checksum/),
    });
    await request(url())
      .head(wrong.headers.location)
      .set('Authorization', `Bearer ${token}`)
      .set('Tus-Resumable', '1.0.0')
      .expect(404);
    await eventually(async () => {
      expect(await blobs.keys()).toEqual(kept);
      return true;
    });
    expect(kept.length).toBe(before.length + 1);
    expect(await uploadKeys()).toEqual([]);
  });

  it('removes what a terminated upload stored', async () => {
    const created = await createUpload(url(), token, 6 * MIB, fields()).expect(201);
    await patchUpload(url(), token, created.headers.location, 0, crypto.randomBytes(MIB)).expect(204);
    expect((await uploadKeys()).length).toBeGreaterThan(0);
    await request(url())
      .delete(created.headers.location)
      .set('Authorization', `Bearer ${token}`)
      .set('Tus-Resumable', '1.0.0')
      .expect(204);
    await eventually(async () => {
      expect(await uploadKeys()).toEqual([]);
      return true;
    });
  });
});

describe.each(['filesystem', 's3'] as const)('expired resumable uploads on %s (e2e)', (driver) => {
  let s3: TestS3 | undefined;
  let app: TestApp;

  beforeAll(async () => {
    s3 = driver === 's3' ? await startS3('tus-expiry') : undefined;
    // 0.0003 h is about a second, so the sweep (every second at that setting) finds it soon.
    app = await startTestApp({ ...s3?.env, UPLOAD_EXPIRY_HOURS: '0.0003' });
  });

  afterAll(async () => {
    await app.close();
    await s3?.close();
  });

  it('leaves nothing of an abandoned upload once it expired', async () => {
    const token = await app.tokenFor('operator');
    const blobs = s3 ?? filesystemBlobs(app.dataDir);
    const created = await createUpload(app.url, token, 7 * MIB, fields()).expect(201);
    await patchUpload(app.url, token, created.headers.location, 0, crypto.randomBytes(MIB)).expect(204);
    expect((await blobs.keys()).some((k) => /^\.?uploads\//.test(k))).toBe(true);
    await eventually(async () => {
      expect(await blobs.keys()).toEqual([]);
      return true;
    }, 15_000);
    const gone = await request(app.url)
      .head(created.headers.location)
      .set('Authorization', `Bearer ${token}`)
      .set('Tus-Resumable', '1.0.0');
    expect([404, 410]).toContain(gone.status);
  });
});
