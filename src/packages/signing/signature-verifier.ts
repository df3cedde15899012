import {
  createMessage,
  enums,
  readSignature,
  verify,
  type PublicKey,
  type Signature,
  type SignaturePacket,
} from 'openpgp';
import { signatureParts, type SignatureDigests } from './signature-digests.js';

/** What the server concluded about a package's signature (stored as packages.signature_status). */
export const SIGNATURE_STATUSES = [
  'valid',
  'invalid',
  'unknown_key',
  'expired_key',
  'revoked_key',
  'unsigned',
  'unchecked',
] as const;
export type SignatureStatus = (typeof SIGNATURE_STATUSES)[number];

export interface SignatureCheck {
  status: SignatureStatus;
  /** The trusted key's primary fingerprint (hex, lowercase) when one issued the signature. */
  signerFingerprint: string | null;
  /** Why, in words (for the 422 message and the logs). */
  detail: string;
}

/** A trusted signing key, parsed. */
export interface TrustedKey {
  fingerprint: string;
  key: PublicKey;
}

const ARMOR = '-----BEGIN PGP SIGNATURE-----';

/** Parses a detached signature, armored or binary; undefined when it is not one. */
export async function parseSignature(bytes: Buffer): Promise<Signature | undefined> {
  try {
    const text = bytes.subarray(0, 64).toString('latin1').trimStart();
    return text.startsWith(ARMOR)
      ? await readSignature({ armoredSignature: bytes.toString('utf8') })
      : await readSignature({ binarySignature: new Uint8Array(bytes) });
  } catch {
    return undefined;
  }
}

/** The packets that sign a file (binary or text document signatures). */
export function documentSignatures(signature: Signature): SignaturePacket[] {
  return signature.packets.filter(
    (p): p is SignaturePacket =>
      'signatureType' in p && (p.signatureType === enums.signature.binary || p.signatureType === enums.signature.text),
  );
}

const check = (status: SignatureStatus, detail: string, signerFingerprint: string | null = null): SignatureCheck => ({
  status,
  signerFingerprint,
  detail,
});

/**
 * Checks a detached signature against the trusted keys using digests computed while the file
 * streamed. Resolves undefined when `digests` lacks what the signature needs (the caller then
 * hashes the stored file once with SignatureDigests.forSignatures). OpenPGP.js does the
 * cryptography; only the data hashing happened outside it.
 */
export async function checkSignature(
  signature: Signature,
  trusted: TrustedKey[],
  digests: SignatureDigests,
  now = new Date(),
): Promise<SignatureCheck | undefined> {
  const packets = documentSignatures(signature);
  if (packets.length === 0) {
    return check('invalid', 'the signature holds no document signature');
  }
  const issued = packets
    .map((packet) => ({ packet, signer: trusted.find((t) => t.key.getKeys(packet.issuerKeyID).length > 0) }))
    .filter((p): p is { packet: SignaturePacket; signer: TrustedKey } => p.signer !== undefined);
  if (issued.length === 0) {
    return check('unknown_key', `no trusted signing key has key id ${packets[0].issuerKeyID.toHex()}`);
  }
  // With several signatures, one good signature by a usable trusted key is enough.
  let worst: SignatureCheck | undefined;
  for (const { packet, signer } of issued) {
    const digest = digests.digestFor(signatureParts(packet));
    if (!digest) {
      return undefined;
    }
    const result = await verifyPacket(signature, packet, signer, digest, now);
    if (result.status === 'valid') {
      return result;
    }
    worst ??= result;
  }
  return worst;
}

async function verifyPacket(
  signature: Signature,
  packet: SignaturePacket,
  signer: TrustedKey,
  digest: Uint8Array,
  now: Date,
): Promise<SignatureCheck> {
  // openpgp verifies a precomputed digest when the packet carries one (as for streamed one-pass signatures).
  (packet as unknown as { hashed: Uint8Array }).hashed = digest;
  const fp = signer.fingerprint;
  try {
    const result = await verify({
      message: await createMessage({ binary: new Uint8Array(0) }),
      signature,
      verificationKeys: [signer.key],
      // The key is judged as it was when the file was signed; revocation and expiry as of now, below.
      date: packet.created ?? now,
      expectSigned: false,
      format: 'binary',
    });
    const own = result.signatures.find((s) => s.keyID.equals(packet.issuerKeyID));
    await own?.verified;
    if (!own) {
      return check('invalid', 'the signature could not be matched to its key');
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/revoked/i.test(message)) {
      return check('revoked_key', `the signing key ${fp} is revoked`, fp);
    }
    if (/expired/i.test(message)) {
      return check('expired_key', `the signing key ${fp} had expired when the file was signed`, fp);
    }
    return check('invalid', `the signature does not match the file (${message})`, fp);
  }
  if (await signer.key.isRevoked(undefined, undefined, now).catch(() => false)) {
    return check('revoked_key', `the signing key ${fp} is revoked`, fp);
  }
  const expires = await signer.key.getExpirationTime().catch(() => null);
  if (expires instanceof Date && expires.getTime() <= now.getTime()) {
    return check('expired_key', `the signing key ${fp} expired on ${expires.toISOString()}`, fp);
  }
  return check('valid', `signed by ${fp}`, fp);
}
