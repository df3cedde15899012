import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * JWT_SECRET when set; otherwise a random secret generated on first start and kept in
 * DATA_DIR/jwt-secret (0600), so tokens survive restarts without a baked-in default.
 */
export function resolveJwtSecret(configured: string | undefined, dataDir: string): string {
  if (configured) {
    return configured;
  }
  const file = path.join(dataDir, 'jwt-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(dataDir, { recursive: true });
    const secret = crypto.randomBytes(48).toString('base64url');
    try {
      fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
      return secret;
    } catch {
      // Another instance sharing DATA_DIR wrote it first.
      return fs.readFileSync(file, 'utf8').trim();
    }
  }
}
