import type { RolloutPolicy } from '../rollout-policy.js';

/** Where the policy that rolls out a configuration's next version comes from. */
export const POLICY_SOURCES = ['configuration', 'default', 'none'] as const;
export type PolicySource = (typeof POLICY_SOURCES)[number];

/** The policy a configuration's next saved version will start a rollout with, and why. */
export interface EffectiveRolloutPolicy {
  source: PolicySource;
  /** Null when a new version goes out without a rollout (source none). */
  policy: RolloutPolicy | null;
  /** The default policy that applies (source default). */
  defaultPolicy: string | null;
  reason: string;
}

/** A stored default policy, as the resolution sees it. */
export interface DefaultPolicyMatch {
  name: string;
  priority: number;
  selector: Record<string, string>;
  policy: RolloutPolicy;
}

/** The parts of a configuration the rule reads. */
export interface PolicyOwner {
  autoPush: boolean;
  rolloutPolicy: RolloutPolicy | null;
  inheritRolloutPolicy: boolean;
}

/**
 * The precedence rule: with auto_push off nothing starts by itself; a configuration's own
 * rollout_policy wins; with inherit_rollout_policy false it opts out of the defaults; otherwise
 * the default policy found for its agents (`match`: the highest-priority one whose selector
 * matches at least one agent assigned the configuration), else none: the version goes out at once.
 */
export function effectivePolicy(owner: PolicyOwner, match: DefaultPolicyMatch | null): EffectiveRolloutPolicy {
  if (!owner.autoPush) {
    return none('auto_push is off: a new version waits for an explicit push or rollout');
  }
  if (owner.rolloutPolicy) {
    return {
      source: 'configuration',
      policy: owner.rolloutPolicy,
      defaultPolicy: null,
      reason: 'its own rollout_policy',
    };
  }
  if (!owner.inheritRolloutPolicy) {
    return none('inherit_rollout_policy is false: a new version goes to every agent at once');
  }
  if (!match) {
    return none('no default rollout policy matches any of its agents: a new version goes to every agent at once');
  }
  const selector = Object.entries(match.selector)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  return {
    source: 'default',
    policy: match.policy,
    defaultPolicy: match.name,
    reason: `default policy "${match.name}" (priority ${match.priority}): its selector ${selector} matches agents assigned this configuration`,
  };
}

/** Whether the rule needs the stored default policies at all for this configuration. */
export function needsDefaults(owner: PolicyOwner): boolean {
  return owner.autoPush && !owner.rolloutPolicy && owner.inheritRolloutPolicy;
}

function none(reason: string): EffectiveRolloutPolicy {
  return { source: 'none', policy: null, defaultPolicy: null, reason };
}
