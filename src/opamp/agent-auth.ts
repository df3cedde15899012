import { Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { AgentKeysService } from '../auth/agent-keys.service.js';
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
    const key = presentedKey(request.headers.authorization);
    if (!key) {
      return this.config.opampAllowAnonymous ? { ok: true } : { ok: false, reason: 'missing enrollment key' };
    }
    const identity = await this.keys.verify(key);
    return identity ? { ok: true, keyId: identity.keyId } : { ok: false, reason: 'invalid or revoked enrollment key' };
  }
}

function presentedKey(header: string | undefined): string | undefined {
  if (!header) {
    return undefined;
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) {
    return bearer[1];
  }
  const basic = /^Basic\s+(\S+)$/i.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1) || undefined;
  }
  return undefined;
}
