import { Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { bearerToken } from '../common/bearer-token.js';
import { AppConfig } from '../config/app-config.js';
import { AgentMessageHandlers, type AgentAuthentication } from './agent-message-handlers.js';

/**
 * Checks an agent's enrollment key before any protocol work: `Authorization: Bearer <key>`
 * (or Basic with the key as password, for clients that only do Basic). The key store is a
 * feature's, registered as the AgentAuthenticator.
 */
@Injectable()
export class AgentAuth {
  constructor(
    private readonly registry: AgentMessageHandlers,
    private readonly config: AppConfig,
  ) {}

  async authenticate(request: IncomingMessage): Promise<AgentAuthentication> {
    const key = bearerToken(request.headers.authorization, { basic: true });
    if (!key) {
      return this.config.opampAllowAnonymous ? { ok: true } : { ok: false, reason: 'missing enrollment key' };
    }
    // No key store registered: a key cannot be checked, so it is not accepted.
    const authenticator = this.registry.authenticator;
    return authenticator ? authenticator.verify(key) : { ok: false, reason: 'no enrollment key store' };
  }
}
