import crypto from 'node:crypto';
import { resolveJwtSecret } from '../auth/jwt-secret.js';
import type { AppConfig } from '../config/app-config.js';
import { SecretRedactor } from './secret-redactor.js';
import { SecretRules } from './secret-rules.js';

/**
 * The redaction key is derived from the JWT secret: every instance of a cluster already shares
 * it (tokens must verify everywhere), so markers agree across instances, and it is not in the
 * database, so a backup alone does not let anyone test guesses against the short hashes.
 * Rotating JWT_SECRET changes every marker once (a one-time change for drift and history).
 */
export function redactorFor(config: AppConfig): SecretRedactor {
  const secret = resolveJwtSecret(config.jwtSecret, config.dataDir);
  const key = crypto.createHmac('sha256', secret).update('opamp-platform/config-redaction/v1').digest();
  return new SecretRedactor(key, new SecretRules(config.redactKeys, config.redactValuePatterns));
}
