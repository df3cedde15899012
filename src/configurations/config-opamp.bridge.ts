import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AgentDetailContributors } from '../agents/agent-detail-contributors.js';
import { AgentEvents } from '../agents/agent-events.js';
import { AgentMessageHandlers } from '../opamp/agent-message-handlers.js';
import { ConfigAssignmentService } from './config-assignment.service.js';
import { ConfigChangeNotifier } from './config-change-notifier.js';
import { ConfigPushService } from './config-push.service.js';
import { DesiredConfigCache } from './desired-config.cache.js';
import { toAgentAssignmentResponse } from './dto/apply.dto.js';
import { RemoteConfigHandler } from './remote-config.handler.js';
import { HandlerOrder } from '../opamp/handler-order.js';

/**
 * Plugs configurations into the layers below without them knowing: the OpAMP message handler
 * (order 10, after the inventory), agent events (label changes reassign at once), and the agent
 * detail (`configuration` field of GET /api/v1/agents/:id).
 */
@Injectable()
export class ConfigOpampBridge implements OnModuleInit {
  private readonly logger = new Logger('ConfigOpampBridge');

  constructor(
    private readonly handlers: AgentMessageHandlers,
    private readonly handler: RemoteConfigHandler,
    private readonly push: ConfigPushService,
    private readonly notifier: ConfigChangeNotifier,
    private readonly assignments: ConfigAssignmentService,
    private readonly cache: DesiredConfigCache,
    private readonly events: AgentEvents,
    private readonly details: AgentDetailContributors,
  ) {}

  onModuleInit(): void {
    this.handlers.register(this.handler, HandlerOrder.Configurations);
    // The handler first: it updates the cache the push then relies on.
    this.notifier.register(this.handler);
    this.notifier.register(this.push);
    this.events.subscribe((event) => {
      if (event.type === 'labels') {
        this.assignments.recomputeForAgents([event.instanceUid]).catch((error: unknown) => {
          this.logger.warn({ err: error, instanceUid: event.instanceUid }, 'Reassignment after a label change failed');
        });
      } else if (event.type === 'deleted') {
        this.cache.forget([event.instanceUid]);
      }
    });
    this.details.register('configuration', async (instanceUid) => {
      const row = await this.assignments.assignmentFor(instanceUid);
      return row?.configurationId ? toAgentAssignmentResponse(row) : null;
    });
  }
}
