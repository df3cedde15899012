import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { OpampGateway } from '../opamp/opamp-gateway.js';
import { AgentNotFound, AgentCannotReceive, CustomMessageTooLarge } from './agents.errors.js';
import { AgentsRepository } from './agents.repository.js';
import { CustomMessagesRepository, type CustomMessageRow } from './custom-messages.repository.js';

export interface OutgoingCustomMessage {
  capability: string;
  type: string;
  data: Buffer;
}

/** Custom messages (OpAMP CustomMessage) between operators and agents. */
@Injectable()
export class CustomMessagesService {
  constructor(
    private readonly agents: AgentsRepository,
    private readonly messages: CustomMessagesRepository,
    private readonly gateway: OpampGateway,
    private readonly config: AppConfig,
  ) {}

  /**
   * Sends to an online agent that announced the capability; delivered by whichever instance holds
   * it (or with an HTTP agent's next poll). Recorded as sent once handed over.
   */
  async send(instanceUid: string, message: OutgoingCustomMessage, sentBy: string): Promise<'sent'> {
    const agent = await this.agents.findById(instanceUid);
    if (!agent) {
      throw new AgentNotFound(instanceUid);
    }
    if (message.data.length > this.config.customMessageMaxBytes) {
      throw new CustomMessageTooLarge(this.config.customMessageMaxBytes);
    }
    if (!(agent.customCapabilities ?? []).includes(message.capability)) {
      throw new AgentCannotReceive(
        instanceUid,
        `it does not announce the custom capability "${message.capability}"`,
        'unprocessable',
      );
    }
    if (agent.status !== 'online') {
      throw new AgentCannotReceive(instanceUid, 'it is offline', 'conflict');
    }
    const delivered = await this.gateway.send(instanceUid, {
      custom_message: { capability: message.capability, type: message.type, data: message.data },
    });
    if (!delivered) {
      throw new AgentCannotReceive(instanceUid, 'its connection closed while sending', 'conflict');
    }
    await this.messages.record(
      { instanceUid, direction: 'sent', ...message, sentBy },
      this.config.customMessageMaxBytes,
      this.config.customMessagesKept,
    );
    return 'sent';
  }

  async list(instanceUid: string, limit: number): Promise<CustomMessageRow[]> {
    if (!(await this.agents.findById(instanceUid))) {
      throw new AgentNotFound(instanceUid);
    }
    return this.messages.list(instanceUid, limit);
  }
}
