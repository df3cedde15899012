import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AssignmentChange } from './assignment.store.js';

/** Agents to move to another version of the configuration that wins for them. */
export interface PinRequest {
  configurationId: string;
  version: number;
  configHash: string;
  instanceUids: string[];
}

/**
 * Called inside the transaction that reassigned agents on their own side (a first connection, a
 * label change) with what changed. A feature above configurations (rollouts: agents joining
 * mid-rollout) answers the pins those agents need; they are written and the agents reassigned
 * again before the transaction commits, so the first offer an agent gets is already the right one.
 */
export interface AgentsAssignedHook {
  agentsAssigned(manager: EntityManager, changes: AssignmentChange[]): Promise<PinRequest[]>;
}

/** Where features register their AgentsAssignedHook (configurations cannot import them). */
@Injectable()
export class AgentsAssignedHooks {
  private readonly hooks: AgentsAssignedHook[] = [];

  register(hook: AgentsAssignedHook): void {
    this.hooks.push(hook);
  }

  async run(manager: EntityManager, changes: AssignmentChange[]): Promise<PinRequest[]> {
    const assigned = changes.filter((change) => change.configurationId !== null);
    if (assigned.length === 0 || this.hooks.length === 0) {
      return [];
    }
    const pins: PinRequest[] = [];
    for (const hook of this.hooks) {
      pins.push(...(await hook.agentsAssigned(manager, assigned)));
    }
    return pins;
  }
}
