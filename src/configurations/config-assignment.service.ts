import { Injectable } from '@nestjs/common';
import type { Page } from '../common/pagination.js';
import { AgentsAssignedHooks } from './agents-assigned-hooks.js';
import type { AssignmentChange } from './assignment.store.js';
import { ConfigChangeNotifier } from './config-change-notifier.js';
import { ConfigAssignmentRepository, type AgentAssignmentRow } from './config-assignment.repository.js';
import { ConfigurationNotFound } from './configurations.errors.js';
import { ConfigurationsRepository } from './configurations.repository.js';

/**
 * Which configuration each agent should run. Configuration writes recompute it themselves; the
 * OpAMP side calls recomputeForAgents when an agent's attributes or labels change, and the agents
 * REST calls assignmentFor to show an agent's configuration.
 */
@Injectable()
export class ConfigAssignmentService {
  constructor(
    private readonly assignments: ConfigAssignmentRepository,
    private readonly configurations: ConfigurationsRepository,
    private readonly notifier: ConfigChangeNotifier,
    private readonly hooks: AgentsAssignedHooks,
  ) {}

  /** Re-evaluates these agents against every live configuration; returns the agents whose assignment changed. */
  async recomputeForAgents(instanceUids: string[]): Promise<AssignmentChange[]> {
    if (instanceUids.length === 0) {
      return [];
    }
    const changes = await this.assignments.recomputeForAgents(instanceUids, (manager, assigned) =>
      this.hooks.run(manager, assigned),
    );
    await this.notifier.assignmentsChanged(changes);
    return changes;
  }

  /** The agent's assignment and apply state; null when the agent is unknown. */
  assignmentFor(instanceUid: string): Promise<AgentAssignmentRow | null> {
    return this.assignments.findForAgent(instanceUid);
  }

  async listAgents(name: string, offset: number, limit: number): Promise<Page<AgentAssignmentRow>> {
    const configuration = await this.configurations.findLiveByName(name);
    if (!configuration) {
      throw new ConfigurationNotFound(name);
    }
    const [items, total] = await this.assignments.listAssigned(configuration.id, offset, limit);
    return { items, total };
  }
}
