import { Injectable, OnModuleInit } from '@nestjs/common';
import { AgentKeysService } from '../auth/agent-keys.service.js';
import {
  AgentMessageHandlers,
  type AgentAuthentication,
  type AgentAuthenticator,
} from '../opamp/agent-message-handlers.js';

/** Agents authenticate with enrollment keys (auth's key store); OpAMP asks through this. */
@Injectable()
export class AgentKeyAuthenticator implements AgentAuthenticator, OnModuleInit {
  constructor(
    private readonly keys: AgentKeysService,
    private readonly registry: AgentMessageHandlers,
  ) {}

  onModuleInit(): void {
    this.registry.registerAuthenticator(this);
  }

  async verify(key: string): Promise<AgentAuthentication> {
    const identity = await this.keys.verify(key);
    return identity ? { ok: true, keyId: identity.keyId } : { ok: false, reason: 'invalid or revoked enrollment key' };
  }
}
