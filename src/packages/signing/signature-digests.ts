import crypto from 'node:crypto';
import { enums, type SignaturePacket } from 'openpgp';

/** The parts of an OpenPGP signature packet this module reads (openpgp's packet class, typed loosely). */
export interface SignatureParts {
  version: number;
  hashAlgorithm: number;
  signatureType: number | null;
  salt?: Uint8Array | null;
  signatureData: Uint8Array | null;
}

/** Node's names for the digests OpenPGP signatures use (openpgp's own configuration rejects MD5, RIPEMD and SHA-1). */
const NODE_HASH: Partial<Record<number, string>> = {
  [enums.hash.sha224]: 'sha224',
  [enums.hash.sha256]: 'sha256',
  [enums.hash.sha384]: 'sha384',
  [enums.hash.sha512]: 'sha512',
  [enums.hash.sha3_256]: 'sha3-256',
  [enums.hash.sha3_512]: 'sha3-512',
};

interface Plan {
  hashAlgorithm: number;
  salt?: Uint8Array;
}

function planKey(plan: Plan): string {
  return `${plan.hashAlgorithm}:${plan.salt ? Buffer.from(plan.salt).toString('hex') : ''}`;
}

/**
 * Hashes a file once, as it streams, for its SHA-256 checksum and for the digests its signatures
 * need. An OpenPGP signature signs hash(salt? || data || signature fields || trailer): the data
 * part is hashed here chunk by chunk, and the signature's own fields are appended to a copy of the
 * hash state once the signature is known, so the file never has to be read a second time even
 * when the signature arrives after it (as with curl's `-F file=@... -F signature=...`).
 */
export class SignatureDigests {
  private readonly hashes = new Map<string, crypto.Hash>();
  private readonly checksum: crypto.Hash;
  private bytes = 0;

  private constructor(plans: Plan[]) {
    this.checksum = crypto.createHash('sha256');
    for (const plan of plans) {
      const name = NODE_HASH[plan.hashAlgorithm];
      if (!name || this.hashes.has(planKey(plan))) {
        continue;
      }
      const hash = crypto.createHash(name);
      if (plan.salt) {
        hash.update(plan.salt);
      }
      this.hashes.set(planKey(plan), hash);
    }
  }

  /** Digests for the given signature packets: exactly what they need. */
  static forSignatures(packets: SignaturePacket[]): SignatureDigests {
    return new SignatureDigests(
      packets.map(signatureParts).map((p) => ({
        hashAlgorithm: p.hashAlgorithm,
        salt: p.version === 6 ? (p.salt ?? undefined) : undefined,
      })),
    );
  }

  /**
   * Digests for a file whose signature may still come after it: SHA-256 (GnuPG's default) is
   * hashed anyway for the checksum, SHA-512 (OpenPGP.js's default) is added. Other digests, and
   * salted v6 signatures, need the signature before the file; else the stored file is read again.
   */
  static forLaterSignature(): SignatureDigests {
    return new SignatureDigests([{ hashAlgorithm: enums.hash.sha256 }, { hashAlgorithm: enums.hash.sha512 }]);
  }

  /** Only the checksum (no signature checks wanted). */
  static checksumOnly(): SignatureDigests {
    return new SignatureDigests([]);
  }

  update(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.checksum.update(chunk);
    for (const hash of this.hashes.values()) {
      hash.update(chunk);
    }
  }

  get size(): number {
    return this.bytes;
  }

  /** SHA-256 of what went through so far, lowercase hex. */
  sha256Hex(): string {
    return this.checksum.copy().digest('hex');
  }

  /**
   * The digest a signature packet signs, over the data seen so far, or undefined when this packet's
   * digest was not being computed (or the packet is of a version whose trailer is not supported).
   */
  digestFor(packet: SignatureParts): Uint8Array | undefined {
    if ((packet.version !== 4 && packet.version !== 6) || !packet.signatureData) {
      return undefined;
    }
    const salt = packet.version === 6 ? (packet.salt ?? undefined) : undefined;
    const hash = this.hashes.get(planKey({ hashAlgorithm: packet.hashAlgorithm, salt }));
    if (!hash) {
      return undefined;
    }
    // RFC 9580 5.2.4: the signature's hashed fields, then version, 0xFF and their length (4 octets).
    const trailer = Buffer.alloc(6);
    trailer[0] = packet.version;
    trailer[1] = 0xff;
    trailer.writeUInt32BE(packet.signatureData.length, 2);
    return new Uint8Array(hash.copy().update(packet.signatureData).update(trailer).digest());
  }
}

/** Narrows openpgp's packet type to the fields read here. */
export function signatureParts(packet: SignaturePacket): SignatureParts {
  return packet as unknown as SignatureParts;
}
