import {
  createMessage,
  enums,
  generateKey,
  readKey,
  readPrivateKey,
  revokeKey,
  sign,
  type PrivateKey,
  type PublicKey,
} from 'openpgp';

/** A signing key made for a test: the private key to sign with and the armored public key to trust. */
export interface TestSigner {
  privateKey: PrivateKey;
  publicKey: PublicKey;
  armoredPublicKey: string;
  fingerprint: string;
  revocationCertificate: string;
}

export interface SignerOptions {
  name?: string;
  /** When the key was made (default now). */
  date?: Date;
  /** Seconds after `date` until the key expires (default never). */
  expiresInSeconds?: number;
}

/** A fresh Curve25519 key (fast to generate). */
export async function makeSigner(options: SignerOptions = {}): Promise<TestSigner> {
  const name = options.name ?? 'Release Signing';
  const generated = await generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name, email: `${name.toLowerCase().replace(/\W+/g, '.')}@example.test` }],
    date: options.date,
    keyExpirationTime: options.expiresInSeconds ?? 0,
    format: 'armored',
  });
  const privateKey = await readPrivateKey({ armoredKey: generated.privateKey });
  const publicKey = await readKey({ armoredKey: generated.publicKey });
  return {
    privateKey,
    publicKey,
    armoredPublicKey: generated.publicKey,
    fingerprint: publicKey.getFingerprint(),
    revocationCertificate: generated.revocationCertificate,
  };
}

/** The signer's public key with its revocation applied, armored (what an admin would publish). */
export async function revokedPublicKey(signer: TestSigner): Promise<string> {
  const { publicKey } = await revokeKey({
    key: signer.publicKey,
    revocationCertificate: signer.revocationCertificate,
    format: 'armored',
  });
  return publicKey;
}

export type HashName = 'sha256' | 'sha512';

/** A detached binary signature of `data` (armored when asked). */
export async function signDetached(
  signer: TestSigner,
  data: Buffer,
  options: { hash?: HashName; date?: Date; armored?: boolean } = {},
): Promise<Buffer> {
  const config = options.hash ? { preferredHashAlgorithm: enums.hash[options.hash] } : undefined;
  const message = await createMessage({ binary: new Uint8Array(data) });
  if (options.armored) {
    const text = await sign({ message, signingKeys: signer.privateKey, detached: true, date: options.date, config });
    return Buffer.from(text, 'utf8');
  }
  const bytes = await sign({
    message,
    signingKeys: signer.privateKey,
    detached: true,
    format: 'binary',
    date: options.date,
    config,
  });
  return Buffer.from(bytes);
}
