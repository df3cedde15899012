import { Injectable } from '@nestjs/common';
import type { AssignmentChange } from './assignment.store.js';
import type { ConfigurationEntity } from './configuration.entity.js';
import type { EffectiveRolloutPolicy } from './default-policies/effective-rollout-policy.js';

/** The result of a configuration write, and whether it changed anything at all. */
export interface WriteResult {
  configuration: ConfigurationEntity;
  created: boolean;
  newVersion: boolean;
  assignmentChanges: AssignmentChange[];
  /** For a new version after the first: the policy it is to roll out with, decided as it was saved. */
  effectivePolicy?: EffectiveRolloutPolicy;
}

/** Something that reacts to committed configuration and assignment changes (caches, auto push). */
export interface ConfigChangeListener {
  configurationWritten?(result: WriteResult): Promise<void>;
  assignmentsChanged?(changes: AssignmentChange[]): Promise<void>;
}

/**
 * Tells listeners about changes after their transaction committed, so a listener never acts on a
 * write that was rolled back. Keeps the services free of the push machinery that builds on them.
 */
@Injectable()
export class ConfigChangeNotifier {
  private readonly listeners: ConfigChangeListener[] = [];

  register(listener: ConfigChangeListener): void {
    this.listeners.push(listener);
  }

  async changed(result: WriteResult): Promise<void> {
    await this.assignmentsChanged(result.assignmentChanges);
    for (const listener of this.listeners) {
      await listener.configurationWritten?.(result);
    }
  }

  async assignmentsChanged(changes: AssignmentChange[]): Promise<void> {
    if (changes.length === 0) {
      return;
    }
    for (const listener of this.listeners) {
      await listener.assignmentsChanged?.(changes);
    }
  }
}
