import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AgentEvents } from '../agents/agent-events.js';
import { ConfigAssignmentService } from './config-assignment.service.js';
import { DesiredConfigCache } from './desired-config.cache.js';

/** What configurations do when an agent changes on the agents' side: labels reassign at once, deletion forgets. */
@Injectable()
export class ConfigAgentEvents implements OnModuleInit {
  private readonly logger = new Logger('ConfigAgentEvents');

  constructor(
    private readonly assignments: ConfigAssignmentService,
    private readonly cache: DesiredConfigCache,
    private readonly events: AgentEvents,
  ) {}

  onModuleInit(): void {
    this.events.subscribe((event) => {
      if (event.type === 'labels') {
        this.assignments.recomputeForAgents([event.instanceUid]).catch((error: unknown) => {
          this.logger.warn({ err: error, instanceUid: event.instanceUid }, 'Reassignment after a label change failed');
        });
      } else if (event.type === 'deleted') {
        this.cache.forget([event.instanceUid]);
      }
    });
  }
}
