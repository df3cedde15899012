import type { EffectiveRolloutPolicy } from '../api.js';
import { linkProps } from '../router.js';

type Policy = NonNullable<EffectiveRolloutPolicy['policy']>;

/** One line for a policy's stages: "1% → 10% → 100%, bake 60 s, rolls back". */
export function planSummary(policy: Policy): string {
  const plan = policy.plan;
  const stages =
    plan.type === 'percent'
      ? (plan.percents ?? []).map((p) => `${p}%`).join(' → ')
      : plan.type === 'count'
        ? `${plan.first} agents, ×${plan.multiplier} up to ${plan.max}`
        : `${(plan.selectors ?? []).map((s) => Object.entries(s).map(([k, v]) => `${k}=${v}`)).join(' → ')} → rest`;
  return `${stages}, bake ${policy.bake_seconds ?? 60} s, ${policy.auto_rollback ? 'rolls back' : 'pauses'} on a tripped gate`;
}

/** Which rollout policy the configuration's next version will use, and why. */
export function EffectivePolicy({ effective }: { effective: EffectiveRolloutPolicy }) {
  return (
    <p class="info-box" data-testid="effective-policy">
      <strong>Next version:</strong>{' '}
      {effective.policy ? `rolls out in stages (${planSummary(effective.policy)})` : 'no staged rollout'} —{' '}
      {effective.reason}
      {effective.default_policy && (
        <>
          {' '}
          (<a {...linkProps('/rollout-policies')}>default policies</a>)
        </>
      )}
    </p>
  );
}
