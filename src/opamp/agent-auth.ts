import { Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { AgentKeysService } from '../auth/agent-keys.service.js';
import { bearerToken } from '../common/bearer-token.js';
import { AppConfig } from '../config/app-config.js';

export type AgentAuthResult = { ok: true; keyId?: string } | { ok: false; reason: string };

/**
 * Checks an agent's enrollment key before any protocol work: `Authorization: Bearer <key>`
 * (or Basic with the key as password, for clients that only do Basic).
 */
@Injectable()
export class AgentAuth {
  constructor(
    private readonly keys: AgentKeysService,
    private readonly config: AppConfig,
  ) {}

  async authenticate(request: IncomingMessage): Promise<AgentAuthResult> {
    const key = bearerToken(request.headers.authorization, { basic: true });
    if (!key) {
      return this.config.opampAllowAnonymous ? { ok: true } : { ok: false, reason: 'missing enrollment key' };
    }
    const identity = await this.keys.verify(key);
    return identity ? { ok: true, keyId: identity.keyId } : { ok: false, reason: 'invalid or revoked enrollment key' };
  }
}
