import { Injectable } from '@nestjs/common';
import { roleAtLeast, type AuthenticatedUser } from '../auth/roles.js';
import { SecretRedactor } from '../redaction/secret-redactor.js';

/**
 * Operators own the configurations they write and see them as written; viewers read them with
 * the secrets redacted like agents' effective configs (same markers, so they can still compare).
 */
@Injectable()
export class ViewerRedaction {
  constructor(private readonly redactor: SecretRedactor) {}

  /** The body as `user` may read it. */
  body(user: AuthenticatedUser, rawConfig: string, contentType: string): string {
    return this.seesSecrets(user) ? rawConfig : this.redactor.redactBody(rawConfig, contentType);
  }

  /** A body transform for `user`, or undefined when it sees bodies as they are. */
  transform(user: AuthenticatedUser): ((rawConfig: string, contentType: string) => string) | undefined {
    return this.seesSecrets(user) ? undefined : (raw, type) => this.redactor.redactBody(raw, type);
  }

  private seesSecrets(user: AuthenticatedUser): boolean {
    return roleAtLeast(user.role, 'operator');
  }
}
