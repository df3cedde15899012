import crypto from 'node:crypto';
import request from 'supertest';
import { filesystemBlobs, SEED_FIELDS, upload } from '../support/packages.js';
import { makeSigner, revokedPublicKey, signDetached, type TestSigner } from '../support/signing.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const DAY = 86_400_000;
const auth = (token: string): [string, string] => ['Authorization', `Bearer ${token}`];
const fields = (): typeof SEED_FIELDS => ({ ...SEED_FIELDS, name: `agent-${crypto.randomBytes(4).toString('hex')}` });

function trust(app: TestApp, admin: string, armored: string): request.Test {
  return request(app.url)
    .post('/api/v1/signing-keys')
    .set(...auth(admin))
    .send({ armored_key: armored });
}

/** Upload with the signature as a file part BEFORE the file (digests planned from it). */
function uploadSignatureFirst(app: TestApp, token: string, file: Buffer, signature: Buffer): request.Test {
  return request(app.url)
    .post('/api/v1/packages')
    .set(...auth(token))
    .field(fields())
    .attach('signature', signature, 'agent.sig')
    .attach('file', file, 'agent');
}

describe('package signatures (e2e)', () => {
  let signer: TestSigner;
  const file = crypto.randomBytes(300_001);

  beforeAll(async () => {
    signer = await makeSigner();
  });

  describe('with PACKAGE_SIGNATURE_POLICY=warn (the default)', () => {
    let app: TestApp;
    let admin: string;
    let operator: string;

    beforeAll(async () => {
      app = await startTestApp();
      admin = await app.login();
      operator = await app.tokenFor('operator');
      await trust(app, admin, signer.armoredPublicKey).expect(201);
    });

    afterAll(async () => {
      await app.close();
    });

    it('manages trusted keys: admin only, public keys only, no duplicates', async () => {
      const other = await makeSigner({ name: 'Key Manager Test', expiresInSeconds: 30 * 86400 });
      await trust(app, operator, other.armoredPublicKey).expect(403);
      const added = await trust(app, admin, other.armoredPublicKey).expect(201);
      expect(added.body).toEqual({
        id: expect.any(Number),
        fingerprint: other.fingerprint,
        key_id: other.fingerprint.slice(-16),
        user_ids: ['Key Manager Test <key.manager.test@example.test>'],
        algorithm: expect.stringContaining('eddsa'),
        key_created_at: expect.any(String),
        expires_at: expect.any(String),
        revoked: false,
        added_by: expect.any(String),
        armored_key: expect.stringContaining('BEGIN PGP PUBLIC KEY BLOCK'),
        created_at: expect.any(String),
      });
      await trust(app, admin, other.armoredPublicKey).expect(409);
      const privateKey = await trust(app, admin, other.privateKey.armor()).expect(400);
      expect(privateKey.body.message).toMatch(/private key/);
      await trust(app, admin, 'not a key').expect(400);
      await request(app.url)
        .post('/api/v1/signing-keys')
        .set(...auth(admin))
        .send({})
        .expect(400);

      const list = await request(app.url)
        .get('/api/v1/signing-keys')
        .set(...auth(admin))
        .expect(200);
      expect((list.body as Array<{ fingerprint: string }>).map((k) => k.fingerprint)).toEqual([
        signer.fingerprint,
        other.fingerprint,
      ]);
      await request(app.url)
        .get('/api/v1/signing-keys')
        .set(...auth(operator))
        .expect(403);
      await request(app.url)
        .delete(`/api/v1/signing-keys/${added.body.id}`)
        .set(...auth(operator))
        .expect(403);
      await request(app.url)
        .delete(`/api/v1/signing-keys/${added.body.id}`)
        .set(...auth(admin))
        .expect(204);
      await request(app.url)
        .delete(`/api/v1/signing-keys/${added.body.id}`)
        .set(...auth(admin))
        .expect(404);
      await request(app.url)
        .get(`/api/v1/signing-keys/${added.body.id}`)
        .set(...auth(admin))
        .expect(404);
    });

    it('verifies a signature sent after the file (base64 field, the curl order), sha256 or sha512', async () => {
      for (const hash of ['sha256', 'sha512'] as const) {
        const signature = await signDetached(signer, file, { hash });
        const created = await upload(app.url, operator, file, {
          ...fields(),
          signature: signature.toString('base64'),
        }).expect(201);
        expect(created.body).toMatchObject({
          has_signature: true,
          signature_status: 'valid',
          signer_fingerprint: signer.fingerprint,
          signature_checked_at: expect.any(String),
        });
      }
    });

    it('verifies an armored signature part sent before the file', async () => {
      const signature = await signDetached(signer, file, { armored: true });
      const created = await uploadSignatureFirst(app, operator, file, signature).expect(201);
      expect(created.body.signature_status).toBe('valid');
    });

    it('records a tampered file, an unknown key and an unsigned upload, and keeps them (warn)', async () => {
      const tampered = Buffer.from(file);
      tampered[1000] ^= 0xff;
      const signature = await signDetached(signer, file);
      const bad = await uploadSignatureFirst(app, operator, tampered, signature).expect(201);
      expect(bad.body).toMatchObject({ signature_status: 'invalid', signer_fingerprint: signer.fingerprint });

      const stranger = await makeSigner({ name: 'Stranger' });
      const unknown = await uploadSignatureFirst(app, operator, file, await signDetached(stranger, file)).expect(201);
      expect(unknown.body).toMatchObject({ signature_status: 'unknown_key', signer_fingerprint: null });

      const unsigned = await upload(app.url, operator, file, fields()).expect(201);
      expect(unsigned.body).toMatchObject({ signature_status: 'unsigned', has_signature: false });

      const garbage = await uploadSignatureFirst(app, operator, file, Buffer.from('garbage')).expect(201);
      expect(garbage.body.signature_status).toBe('invalid');
    });

    it('reports a key that expired since it signed', async () => {
      const old = await makeSigner({ name: 'Old', date: new Date(Date.now() - 3 * DAY), expiresInSeconds: 86400 });
      await trust(app, admin, old.armoredPublicKey).expect(201);
      const signature = await signDetached(old, file, { date: new Date(Date.now() - 2.5 * DAY) });
      const created = await uploadSignatureFirst(app, operator, file, signature).expect(201);
      expect(created.body).toMatchObject({ signature_status: 'expired_key', signer_fingerprint: old.fingerprint });
    });

    it('records a published revocation and reports the key as revoked', async () => {
      const soon = await makeSigner({ name: 'Soon Revoked' });
      await trust(app, admin, soon.armoredPublicKey).expect(201);
      const signature = await signDetached(soon, file);
      expect((await uploadSignatureFirst(app, operator, file, signature).expect(201)).body.signature_status).toBe(
        'valid',
      );
      const revoked = await trust(app, admin, await revokedPublicKey(soon)).expect(201);
      expect(revoked.body).toMatchObject({ fingerprint: soon.fingerprint, revoked: true });
      const after = await uploadSignatureFirst(app, operator, file, signature).expect(201);
      expect(after.body).toMatchObject({ signature_status: 'revoked_key', signer_fingerprint: soon.fingerprint });
    });

    it('signs a stored package after upload, checked against the stored file', async () => {
      const created = await upload(app.url, operator, file, fields()).expect(201);
      const id = Number(created.body.id);
      const put = (token: string, signature: string): request.Test =>
        request(app.url)
          .put(`/api/v1/packages/${id}/signature`)
          .set(...auth(token))
          .send({ signature });
      await put(await app.tokenFor('viewer'), 'AAAA').expect(403);
      await put(operator, 'not base64 !').expect(400);
      const wrong = await put(operator, (await signDetached(signer, Buffer.from('other'))).toString('base64')).expect(
        200,
      );
      expect(wrong.body.signature_status).toBe('invalid');
      const signed = await put(operator, (await signDetached(signer, file, { armored: true })).toString()).expect(200);
      expect(signed.body).toMatchObject({ has_signature: true, signature_status: 'valid' });
      await request(app.url)
        .put('/api/v1/packages/999999/signature')
        .set(...auth(operator))
        .send({ signature: 'AAAA' })
        .expect(404);
    });
  });

  describe('with PACKAGE_SIGNATURE_POLICY=require', () => {
    let app: TestApp;
    let admin: string;

    beforeAll(async () => {
      app = await startTestApp({ PACKAGE_SIGNATURE_POLICY: 'require' });
      admin = await app.login();
      await trust(app, admin, signer.armoredPublicKey).expect(201);
    });

    afterAll(async () => {
      await app.close();
    });

    it('refuses unsigned, tampered and unknown-key uploads with 422, keeping no file and no row', async () => {
      const blobs = filesystemBlobs(app.dataDir);
      const before = await blobs.keys();
      const f = fields();
      const unsigned = await upload(app.url, admin, file, f).expect(422);
      expect(unsigned.body.message).toMatch(/PACKAGE_SIGNATURE_POLICY=require.*no signature/);
      const tampered = Buffer.concat([file, Buffer.from('x')]);
      await uploadSignatureFirst(app, admin, tampered, await signDetached(signer, file)).expect(422);
      const stranger = await makeSigner({ name: 'Stranger' });
      await upload(app.url, admin, file, {
        ...f,
        signature: (await signDetached(stranger, file)).toString('base64'),
      }).expect(422);
      expect(await blobs.keys()).toEqual(before);
      const list = await request(app.url)
        .get('/api/v1/packages')
        .set(...auth(admin))
        .expect(200);
      expect(list.body).toEqual([]);
    });

    it('accepts a valid signature, and refuses a bad re-signing without touching the package', async () => {
      const created = await upload(app.url, admin, file, {
        ...fields(),
        signature: (await signDetached(signer, file)).toString('base64'),
      }).expect(201);
      expect(created.body.signature_status).toBe('valid');
      const bad = (await signDetached(signer, Buffer.from('other'))).toString('base64');
      await request(app.url)
        .put(`/api/v1/packages/${created.body.id}/signature`)
        .set(...auth(admin))
        .send({ signature: bad })
        .expect(422);
      const after = await request(app.url)
        .get(`/api/v1/packages/${created.body.id}`)
        .set(...auth(admin))
        .expect(200);
      expect(after.body).toEqual(created.body);
    });
  });

  describe('with PACKAGE_SIGNATURE_POLICY=off', () => {
    let app: TestApp;

    beforeAll(async () => {
      app = await startTestApp({ PACKAGE_SIGNATURE_POLICY: 'off' });
    });

    afterAll(async () => {
      await app.close();
    });

    it('stores signatures unchecked and accepts unsigned files', async () => {
      const admin = await app.login();
      const signed = await upload(app.url, admin, file, {
        ...fields(),
        signature: (await signDetached(signer, file)).toString('base64'),
      }).expect(201);
      expect(signed.body).toMatchObject({
        has_signature: true,
        signature_status: 'unchecked',
        signer_fingerprint: null,
      });
      const unsigned = await upload(app.url, admin, file, fields()).expect(201);
      expect(unsigned.body.signature_status).toBe('unsigned');
    });
  });
});
