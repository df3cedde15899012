/**
 * The credential of an `Authorization` header. `Bearer <token>` is what the API and agents send;
 * `Basic` (the credential as password, any user name) is accepted only where a caller asks for it,
 * for OpAMP clients that can only do Basic.
 */
export function bearerToken(header: string | undefined, options: { basic?: boolean } = {}): string | undefined {
  const [scheme, credential, extra] = (header ?? '').trim().split(/\s+/);
  if (!credential || extra !== undefined) {
    return undefined;
  }
  if (/^bearer$/i.test(scheme)) {
    return credential;
  }
  if (options.basic && /^basic$/i.test(scheme)) {
    const decoded = Buffer.from(credential, 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1) || undefined;
  }
  return undefined;
}
