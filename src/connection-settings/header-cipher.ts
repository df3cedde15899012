import crypto from 'node:crypto';

const PREFIX = 'v1:';

/** Thrown when a stored value cannot be decrypted (JWT secret changed, or the row was tampered with). */
export class HeaderDecryptError extends Error {}

/**
 * Encrypts header values of own-telemetry destinations (backend API keys) before they reach
 * PostgreSQL: AES-256-GCM with a key derived (HKDF) from the JWT secret, which every instance
 * already shares. Changing the JWT secret makes stored values unreadable: those destinations are
 * then not offered until an operator enters the values again.
 */
export class HeaderCipher {
  private readonly key: Buffer;

  /** `purpose` separates the keys of different uses of the same JWT secret (e.g. webhook secrets). */
  constructor(secret: string, purpose = 'connection-settings-headers') {
    this.key = Buffer.from(crypto.hkdfSync('sha256', secret, 'opamp-platform', purpose, 32));
  }

  encrypt(value: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  decrypt(stored: string): string {
    if (!stored.startsWith(PREFIX)) {
      throw new HeaderDecryptError('unknown header encoding');
    }
    const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new HeaderDecryptError('header value cannot be decrypted with the current JWT secret');
    }
  }
}
