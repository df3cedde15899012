/**
 * How a configuration's new versions roll out (stored on the configuration; the rollouts module
 * runs it). Owned here because a configuration carries it; the engine that reads it sits above.
 */
export type RolloutPlan =
  | { type: 'percent'; percents: number[] }
  | { type: 'count'; first: number; multiplier: number; max: number }
  | { type: 'labels'; selectors: Array<Record<string, string>> };

/** Thresholds a stage must stay within (a count, or a percentage of the agents offered so far). */
export interface RolloutGates {
  max_failed: number;
  max_failed_percent: number | null;
  max_unhealthy: number;
  max_unhealthy_percent: number | null;
  max_disconnected: number;
}

export interface RolloutPolicy {
  plan: RolloutPlan;
  gates?: Partial<RolloutGates>;
  bake_seconds?: number;
  apply_timeout_seconds?: number;
  auto_rollback?: boolean;
}

const MAX_STAGES = 20;

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isLabelMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length > 0 &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

/** What is wrong with a plan, in words an operator can act on; null when it is usable. */
export function planProblem(plan: unknown): string | null {
  if (typeof plan !== 'object' || plan === null) {
    return 'plan must be an object with a type: percent, count or labels';
  }
  const p = plan as Record<string, unknown>;
  switch (p.type) {
    case 'percent': {
      const percents = p.percents;
      if (!Array.isArray(percents) || percents.length === 0 || percents.length > MAX_STAGES) {
        return `plan.percents must list 1 to ${MAX_STAGES} percentages`;
      }
      if (!percents.every((v, i) => isInt(v, 1, 100) && (i === 0 || v > (percents[i - 1] as number)))) {
        return 'plan.percents must be whole numbers from 1 to 100, each larger than the one before';
      }
      return percents[percents.length - 1] === 100 ? null : 'plan.percents must end with 100';
    }
    case 'count':
      if (!isInt(p.first, 1, 1_000_000)) {
        return 'plan.first must be a whole number from 1 to 1000000';
      }
      if (typeof p.multiplier !== 'number' || !(p.multiplier >= 1) || p.multiplier > 100) {
        return 'plan.multiplier must be a number from 1 to 100';
      }
      if (!isInt(p.max, 1, 1_000_000) || p.max < p.first) {
        return 'plan.max must be a whole number at least plan.first';
      }
      return null;
    case 'labels':
      if (!Array.isArray(p.selectors) || p.selectors.length === 0 || p.selectors.length >= MAX_STAGES) {
        return `plan.selectors must list 1 to ${MAX_STAGES - 1} label selectors (the rest is the last stage)`;
      }
      return p.selectors.every(isLabelMap) ? null : 'plan.selectors must be non-empty objects of string values';
    default:
      return 'plan.type must be percent, count or labels';
  }
}

/** What is wrong with a policy (plan and numbers), or null. */
export function policyProblem(policy: unknown): string | null {
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
    return 'rollout_policy must be an object';
  }
  const p = policy as Record<string, unknown>;
  const plan = planProblem(p.plan);
  if (plan) {
    return plan;
  }
  if (p.bake_seconds !== undefined && !isInt(p.bake_seconds, 0, 86_400)) {
    return 'bake_seconds must be a whole number from 0 to 86400';
  }
  if (p.apply_timeout_seconds !== undefined && !isInt(p.apply_timeout_seconds, 1, 86_400)) {
    return 'apply_timeout_seconds must be a whole number from 1 to 86400';
  }
  if (p.auto_rollback !== undefined && typeof p.auto_rollback !== 'boolean') {
    return 'auto_rollback must be a boolean';
  }
  return gatesProblem(p.gates);
}

const GATE_KEYS = ['max_failed', 'max_failed_percent', 'max_unhealthy', 'max_unhealthy_percent', 'max_disconnected'];

function gatesProblem(gates: unknown): string | null {
  if (gates === undefined) {
    return null;
  }
  if (typeof gates !== 'object' || gates === null || Array.isArray(gates)) {
    return 'gates must be an object';
  }
  for (const [key, value] of Object.entries(gates)) {
    if (!GATE_KEYS.includes(key)) {
      return `gates.${key} is not a gate (${GATE_KEYS.join(', ')})`;
    }
    const max = key.endsWith('_percent') ? 100 : 1_000_000;
    if (!(value === null && key.endsWith('_percent')) && !isInt(value, 0, max)) {
      return `gates.${key} must be a whole number from 0 to ${max}`;
    }
  }
  return null;
}

/** The gates with every threshold filled in: by default any failure, unhealthy or lost agent trips. */
export function withDefaultGates(gates: Partial<RolloutGates> | undefined): RolloutGates {
  return {
    max_failed: gates?.max_failed ?? 0,
    max_failed_percent: gates?.max_failed_percent ?? null,
    max_unhealthy: gates?.max_unhealthy ?? 0,
    max_unhealthy_percent: gates?.max_unhealthy_percent ?? null,
    max_disconnected: gates?.max_disconnected ?? 0,
  };
}
