import { Injectable } from '@nestjs/common';
import { AgentKeysService } from '../auth/agent-keys.service.js';
import { AgentAuthenticator, type AgentAuthentication } from '../opamp/agent-message-handlers.js';

/** Agents authenticate with enrollment keys (auth's key store); OpAMP asks through this. */
@Injectable()
@AgentAuthenticator()
export class AgentKeyAuthenticator implements AgentAuthenticator {
  constructor(private readonly keys: AgentKeysService) {}

  async verify(key: string): Promise<AgentAuthentication> {
    const identity = await this.keys.verify(key);
    return identity ? { ok: true, keyId: identity.keyId } : { ok: false, reason: 'invalid or revoked enrollment key' };
  }
}
