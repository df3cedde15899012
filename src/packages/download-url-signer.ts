import crypto from 'node:crypto';

/**
 * Short-lived signed download URLs for agents: `?expires=<unix seconds>&sig=<HMAC-SHA256>` over
 * the package id and the expiry. Lets an agent download without presenting its enrollment key,
 * for clients that do not send DownloadableFile.headers.
 */
export class DownloadUrlSigner {
  constructor(private readonly key: Buffer) {}

  sign(packageId: number, expiresAt: number): string {
    return crypto.createHmac('sha256', this.key).update(`${packageId}:${expiresAt}`).digest('base64url');
  }

  verify(packageId: number, expires: string | null, signature: string | null, now = Date.now()): boolean {
    if (!expires || !signature || !/^\d{1,12}$/.test(expires) || Number(expires) * 1000 < now) {
      return false;
    }
    const expected = Buffer.from(this.sign(packageId, Number(expires)));
    const given = Buffer.from(signature);
    return expected.length === given.length && crypto.timingSafeEqual(expected, given);
  }
}
