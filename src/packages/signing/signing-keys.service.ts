import { Injectable } from '@nestjs/common';
import { readKey, type PublicKey } from 'openpgp';
import { InvalidSigningKey, SigningKeyAlreadyExists, SigningKeyNotFound } from '../packages.errors.js';
import type { SigningKeyEntity } from './signing-key.entity.js';
import { DuplicateSigningKey, SigningKeysRepository, type NewSigningKey } from './signing-keys.repository.js';
import type { TrustedKey } from './signature-verifier.js';

const MAX_ID = 2_147_483_647;

/** The trusted signing keys: added and removed by admins, read by every signature check. */
@Injectable()
export class SigningKeysService {
  /** Parsed keys by row id and text, so a check does not re-parse every key each time. */
  private readonly parsed = new Map<number, { armored: string; key: PublicKey }>();

  constructor(private readonly keys: SigningKeysRepository) {}

  /**
   * Trusts an armored public key. Posting a key that is trusted already records what changed in
   * it (a revocation, a new expiry); posting the same key again is a conflict.
   */
  async add(armoredKey: string, addedBy: string | null): Promise<SigningKeyEntity> {
    const values = { ...(await describeKey(armoredKey)), addedBy };
    const existing = await this.keys.findByFingerprint(values.fingerprint);
    if (existing) {
      const changed =
        existing.revoked !== values.revoked || existing.expiresAt?.getTime() !== values.expiresAt?.getTime();
      if (!changed) {
        throw new SigningKeyAlreadyExists(values.fingerprint);
      }
      const { armoredKey: armored, revoked, expiresAt } = values;
      return (await this.keys.replace(existing.id, { armoredKey: armored, revoked, expiresAt })) ?? existing;
    }
    try {
      return await this.keys.insert(values);
    } catch (error) {
      if (error instanceof DuplicateSigningKey) {
        throw new SigningKeyAlreadyExists(values.fingerprint);
      }
      throw error;
    }
  }

  list(): Promise<SigningKeyEntity[]> {
    return this.keys.listAll();
  }

  async get(id: number): Promise<SigningKeyEntity> {
    const key = id >= 1 && id <= MAX_ID ? await this.keys.findById(id) : null;
    if (!key) {
      throw new SigningKeyNotFound(id);
    }
    return key;
  }

  async delete(id: number): Promise<void> {
    if (!(id >= 1 && id <= MAX_ID && (await this.keys.delete(id)))) {
      throw new SigningKeyNotFound(id);
    }
    this.parsed.delete(id);
  }

  /** Every trusted key, revoked ones included (so their signatures are reported as revoked, not unknown). */
  async trusted(): Promise<TrustedKey[]> {
    const rows = await this.keys.listAll();
    const result: TrustedKey[] = [];
    for (const row of rows) {
      let cached = this.parsed.get(row.id);
      if (!cached || cached.armored !== row.armoredKey) {
        cached = { armored: row.armoredKey, key: await readKey({ armoredKey: row.armoredKey }) };
        this.parsed.set(row.id, cached);
      }
      result.push({ fingerprint: row.fingerprint, key: cached.key });
    }
    return result;
  }
}

/** Reads what the table records about a key; refuses private keys, so no secret is ever stored. */
async function describeKey(armored: string): Promise<Omit<NewSigningKey, 'addedBy'>> {
  let key;
  try {
    key = await readKey({ armoredKey: armored });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidSigningKey(`armored_key is not an armored OpenPGP public key (${reason})`);
  }
  if (key.isPrivate()) {
    throw new InvalidSigningKey('armored_key is a private key: send the public key only (gpg --armor --export)');
  }
  const info = key.getAlgorithmInfo();
  const expires = await key.getExpirationTime().catch(() => null);
  return {
    fingerprint: key.getFingerprint().toLowerCase(),
    keyId: key.getKeyID().toHex().toLowerCase(),
    armoredKey: key.armor(),
    userIds: key.getUserIDs(),
    algorithm: [info.algorithm, info.bits, info.curve].filter((part) => part !== undefined).join(' '),
    keyCreatedAt: key.getCreationTime(),
    expiresAt: expires instanceof Date ? expires : null,
    revoked: await key.isRevoked().catch(() => false),
  };
}
