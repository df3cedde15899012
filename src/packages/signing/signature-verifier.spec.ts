import crypto from 'node:crypto';
import { makeSigner, revokedPublicKey, signDetached, type TestSigner } from '../../../test/support/signing.js';
import { readKey } from 'openpgp';
import { SignatureDigests } from './signature-digests.js';
import { checkSignature, documentSignatures, parseSignature, type TrustedKey } from './signature-verifier.js';

const DAY = 86_400_000;

async function run(
  signature: Buffer,
  data: Buffer,
  trusted: TrustedKey[],
  digests = SignatureDigests.forLaterSignature(),
) {
  const parsed = await parseSignature(signature);
  if (!parsed) {
    throw new Error('unparsable');
  }
  // Streamed in uneven pieces, as a socket delivers them.
  for (let i = 0; i < data.length; i += 7919) {
    digests.update(data.subarray(i, i + 7919));
  }
  return checkSignature(parsed, trusted, digests);
}

describe('checkSignature', () => {
  let signer: TestSigner;
  let trusted: TrustedKey[];
  const data = crypto.randomBytes(100_003);

  beforeAll(async () => {
    signer = await makeSigner();
    trusted = [{ fingerprint: signer.fingerprint, key: signer.publicKey }];
  });

  it.each(['sha256', 'sha512'] as const)('accepts a %s signature made after the file streamed', async (hash) => {
    const sut = await run(await signDetached(signer, data, { hash }), data, trusted);
    expect(sut).toEqual({ status: 'valid', signerFingerprint: signer.fingerprint, detail: expect.any(String) });
  });

  it('accepts an armored signature whose digests were planned before the file', async () => {
    const signature = await signDetached(signer, data, { armored: true });
    const digests = SignatureDigests.forSignatures(documentSignatures((await parseSignature(signature))!));
    expect((await run(signature, data, trusted, digests))?.status).toBe('valid');
  });

  it('asks for the data again when the digest was not computed', async () => {
    const signature = await signDetached(signer, data);
    expect(await run(signature, data, trusted, SignatureDigests.checksumOnly())).toBeUndefined();
  });

  it('refuses a tampered file', async () => {
    const signature = await signDetached(signer, data);
    const tampered = Buffer.from(data);
    tampered[500] ^= 1;
    expect((await run(signature, tampered, trusted))?.status).toBe('invalid');
  });

  it('reports an unknown key when no trusted key issued the signature', async () => {
    const other = await makeSigner({ name: 'Someone Else' });
    expect((await run(await signDetached(other, data), data, trusted))?.status).toBe('unknown_key');
  });

  it('reports an expired key, even for a signature made while it was valid', async () => {
    const old = await makeSigner({ date: new Date(Date.now() - 3 * DAY), expiresInSeconds: 86_400 });
    const signature = await signDetached(old, data, { date: new Date(Date.now() - 2.5 * DAY) });
    const sut = await run(signature, data, [{ fingerprint: old.fingerprint, key: old.publicKey }]);
    expect(sut).toMatchObject({ status: 'expired_key', signerFingerprint: old.fingerprint });
  });

  it('reports a revoked key', async () => {
    const revoked = await readKey({ armoredKey: await revokedPublicKey(signer) });
    const sut = await run(await signDetached(signer, data), data, [{ fingerprint: signer.fingerprint, key: revoked }]);
    expect(sut).toMatchObject({ status: 'revoked_key', signerFingerprint: signer.fingerprint });
  });

  it('does not parse garbage as a signature', async () => {
    expect(await parseSignature(Buffer.from('not a signature'))).toBeUndefined();
  });
});
