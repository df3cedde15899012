import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AgentMessageHandler, type AgentMessageContext } from '../opamp/agent-message-handlers.js';
import { AgentEvents } from './agent-events.js';
import { CustomMessagesRepository } from './custom-messages.repository.js';
import { HandlerOrder } from '../opamp/handler-order.js';

/**
 * Keeps the custom messages agents send (after the inventory, so the agent row exists). Messages
 * are rare, so each is one statement; a message for a capability the agent did not announce is
 * kept too: the server does not own the capability's meaning and must not lose what was said.
 */
@Injectable()
@AgentMessageHandler(HandlerOrder.CustomMessages)
export class CustomMessagesHandler implements AgentMessageHandler {
  readonly name = 'custom-messages';
  private readonly logger = new Logger(CustomMessagesHandler.name);

  constructor(
    private readonly messages: CustomMessagesRepository,
    private readonly events: AgentEvents,
    private readonly config: AppConfig,
  ) {}

  handle(context: AgentMessageContext): Promise<void> | undefined {
    const message = context.message.custom_message;
    return message?.capability ? this.store(context, message.capability, message.type, message.data) : undefined;
  }

  private async store(
    context: AgentMessageContext,
    capability: string,
    type: string | undefined,
    data: Uint8Array | undefined,
  ): Promise<void> {
    try {
      await this.messages.record(
        {
          instanceUid: context.agent.instanceUid,
          direction: 'received',
          capability,
          type: type ?? '',
          data: Buffer.from(data ?? new Uint8Array()),
          sentBy: null,
        },
        this.config.customMessageMaxBytes,
        this.config.customMessagesKept,
      );
      this.events.emit({ type: 'custom_message', instanceUid: context.agent.instanceUid });
    } catch (error) {
      // Losing one custom message must not turn the agent's status report into a retry loop.
      this.logger.error({ err: error, instanceUid: context.agent.instanceUid }, 'Storing a custom message failed');
    }
  }
}
