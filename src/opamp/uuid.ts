import crypto from 'node:crypto';

const HEX = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Canonical lowercase UUID text of 16 bytes. */
export function uuidFromBytes(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function bytesFromUuid(uuid: string): Uint8Array {
  if (!HEX.test(uuid)) {
    throw new Error(`not a UUID: ${uuid}`);
  }
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

export function isUuid(value: string): boolean {
  return HEX.test(value);
}

/** A UUIDv7 (RFC 9562): 48-bit millisecond timestamp, version 7, variant 10, random rest. */
export function uuidv7Bytes(now = Date.now()): Uint8Array {
  const bytes = crypto.randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return bytes;
}
