import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Page } from '../../common/pagination.js';
import { DefaultRolloutPolicyAlreadyExists, DefaultRolloutPolicyNotFound } from '../configurations.errors.js';
import type { RolloutPolicy } from '../rollout-policy.js';
import {
  DefaultRolloutPoliciesRepository,
  type DefaultRolloutPolicy,
  type DefaultRolloutPolicyFields,
} from './default-rollout-policies.repository.js';
import {
  effectivePolicy,
  needsDefaults,
  type EffectiveRolloutPolicy,
  type PolicyOwner,
} from './effective-rollout-policy.js';

/** What an admin may change on an existing default policy (omitted: unchanged). */
export interface DefaultRolloutPolicyChange {
  description?: string;
  selector?: Record<string, string>;
  policy?: RolloutPolicy;
  priority?: number;
}

/**
 * Default rollout policies by label (admin CRUD; the DTOs validate each field with the same
 * policyProblem() as a configuration's own policy) and the rule that picks the policy a
 * configuration's next version rolls out with.
 */
@Injectable()
export class DefaultRolloutPoliciesService {
  constructor(private readonly repository: DefaultRolloutPoliciesRepository) {}

  async create(fields: DefaultRolloutPolicyFields, by: string): Promise<DefaultRolloutPolicy> {
    const created = await this.repository.insert(fields, by);
    if (!created) {
      throw new DefaultRolloutPolicyAlreadyExists(fields.name);
    }
    return created;
  }

  async list(offset: number, limit: number): Promise<Page<DefaultRolloutPolicy>> {
    const [items, total] = await this.repository.list(offset, limit);
    return { items, total };
  }

  async get(name: string): Promise<DefaultRolloutPolicy> {
    const found = await this.repository.findByName(name);
    if (!found) {
      throw new DefaultRolloutPolicyNotFound(name);
    }
    return found;
  }

  async update(name: string, change: DefaultRolloutPolicyChange): Promise<DefaultRolloutPolicy> {
    const current = await this.get(name);
    const updated = await this.repository.update(name, {
      name: current.name,
      description: change.description ?? current.description,
      selector: change.selector ?? current.selector,
      policy: change.policy ?? current.policy,
      priority: change.priority ?? current.priority,
    });
    if (!updated) {
      throw new DefaultRolloutPolicyNotFound(name);
    }
    return updated;
  }

  async remove(name: string): Promise<void> {
    if (!(await this.repository.delete(name))) {
      throw new DefaultRolloutPolicyNotFound(name);
    }
  }

  /**
   * The policy a configuration's next version rolls out with (see effectivePolicy for the rule).
   * `manager`: read inside a configuration write, after its agents were reassigned.
   */
  async effective(
    configuration: PolicyOwner & { id: string },
    manager?: EntityManager,
  ): Promise<EffectiveRolloutPolicy> {
    if (!needsDefaults(configuration)) {
      return effectivePolicy(configuration, null);
    }
    return effectivePolicy(configuration, await this.repository.matchFor(configuration.id, manager));
  }

  /** Whether any default policy is stored: most installations have none, and a save skips the matching. */
  anyDefaults(manager?: EntityManager): Promise<boolean> {
    return this.repository.exist(manager);
  }
}
