import { Injectable } from '@nestjs/common';
import crypto from 'node:crypto';
import { resolveJwtSecret } from '../auth/jwt-secret.js';
import { AppConfig } from '../config/app-config.js';
import { DownloadUrlSigner } from './download-url-signer.js';

/** Signed URLs stay valid this long; long enough for an agent that installs on its next restart. */
const URL_LIFETIME_SECONDS = 24 * 3600;

/** Download URLs for agents, on the OpAMP port (agents may reach only that one). */
@Injectable()
export class AgentPackageUrls {
  readonly signer: DownloadUrlSigner;

  constructor(private readonly config: AppConfig) {
    // A key of its own, derived from the JWT secret, which every instance of a cluster shares.
    const secret = resolveJwtSecret(config.jwtSecret, config.dataDir);
    this.signer = new DownloadUrlSigner(crypto.createHmac('sha256', secret).update('package-download-urls').digest());
  }

  /** The path agents download package `id` from. */
  static path(id: number): string {
    return `/v1/packages/${id}/download`;
  }

  downloadUrl(id: number, now = Date.now()): string {
    // Rounded to the hour, so the URL an agent is offered stays the same for an hour.
    const expires = Math.ceil(now / 3_600_000) * 3600 + URL_LIFETIME_SECONDS;
    const base = (this.config.opampPublicUrl ?? this.config.opampUrl.replace(/\/v1\/opamp$/, '')).replace(/\/+$/, '');
    return `${base}${AgentPackageUrls.path(id)}?expires=${expires}&sig=${this.signer.sign(id, expires)}`;
  }
}
