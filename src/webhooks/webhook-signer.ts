import crypto from 'node:crypto';

/** The three Standard Webhooks headers of one delivery attempt. */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * The HMAC key of a secret: a Standard Webhooks secret (`whsec_` + base64) is its decoded bytes,
 * any other secret its UTF-8 bytes.
 */
export function signingKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');
}

/** Signs `body` Standard-Webhooks style: `v1,` + base64(HMAC-SHA256(key, "id.timestamp.body")). */
export function signDelivery(secret: string, id: string, timestampSeconds: number, body: string): SignedHeaders {
  const signature = crypto
    .createHmac('sha256', signingKey(secret))
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': `v1,${signature}` };
}

/** What a receiver does: true when one of the space-separated `v1,` signatures matches (constant time). */
export function verifyDelivery(secret: string, headers: SignedHeaders, body: string): boolean {
  const expected = Buffer.from(
    signDelivery(secret, headers['webhook-id'], Number(headers['webhook-timestamp']), body)['webhook-signature'],
  );
  return headers['webhook-signature'].split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
}
