import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { EntityManager } from 'typeorm';
import { discoverHooks } from '../common/discovered-hooks.js';
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

const HOOK = DiscoveryService.createDecorator<Record<string, never>>();

/** Marks a provider that AgentsAssignedHooks calls inside agent-side reassignments. */
export const AgentsAssignedHook = (): ClassDecorator => HOOK({});

/** The @AgentsAssignedHook providers (configurations cannot import the features that bring them), found once at bootstrap. */
@Injectable()
export class AgentsAssignedHooks implements OnModuleInit {
  private hooks: readonly AgentsAssignedHook[] = [];

  constructor(private readonly discovery?: DiscoveryService) {}

  /** Hooks outside Nest (tests that build the services by hand). */
  static of(...hooks: AgentsAssignedHook[]): AgentsAssignedHooks {
    const registry = new AgentsAssignedHooks();
    registry.hooks = hooks;
    return registry;
  }

  onModuleInit(): void {
    if (this.discovery) {
      this.hooks = discoverHooks<AgentsAssignedHook, Record<string, never>>(
        this.discovery,
        HOOK,
        'Agents-assigned hook',
      ).map((hook) => hook.instance);
    }
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
