import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { OpampMessageService } from './opamp-message.service.js';
import { SessionRegistry } from './session-registry.js';

/** HTTP agents have no socket to close: one silent for 2.5 heartbeat intervals has left. */
@Injectable()
export class HttpSessionExpiry {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly sessions: SessionRegistry,
    private readonly messages: OpampMessageService,
  ) {}

  start(): void {
    const heartbeatMs = this.config.opampHeartbeatSeconds * 1000;
    this.timer = setInterval(() => void this.expire(), Math.max(1000, heartbeatMs / 2));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async expire(): Promise<void> {
    const cutoff = Date.now() - this.config.opampHeartbeatSeconds * 2500;
    for (const session of this.sessions.values()) {
      if (session.transport === 'http' && session.lastSeen < cutoff) {
        await this.messages.disconnect(session);
      }
    }
  }
}
