import crypto from 'node:crypto';
import type { RolloutPlan } from '../configurations/rollout-policy.js';

/** The key that orders agents in a rollout (the same as rolloutOrder's). */
export function rolloutKey(rolloutId: string, instanceUid: string): string {
  return crypto.createHash('sha256').update(`${rolloutId}:${instanceUid}`).digest('hex');
}

/** What the rollout's stages look like, to place a joiner among them. */
export type StageOutline =
  /** Percent and count plans: the highest rollout key of each stage (stages hold contiguous runs of the order). */
  | { kind: 'keys'; lastKeys: Array<string | null> }
  /** Label plans: the label set of the first agent of each stage. */
  | { kind: 'labels'; firstLabels: Array<Record<string, string> | null> };

/**
 * The stage of an agent that joins a running rollout (it connected for the first time, or its
 * labels made it match the configuration). Deterministic:
 * - percent and count plans: the stage of the agent that follows it in the rollout's order
 *   (sha256 of rollout id:uid), so it goes where the order would have put it; past the end of
 *   the order, the last stage;
 * - label plans: the stage of the first selector its labels match (the rest: the last stage);
 *   when that ring had no agent, and so no stage, the next ring's stage.
 */
export function joinerStage(
  plan: RolloutPlan,
  stageCount: number,
  joiner: { key: string; labels: Record<string, string> },
  outline: StageOutline,
): number {
  const last = Math.max(0, stageCount - 1);
  if (outline.kind === 'keys') {
    const stage = outline.lastKeys.findIndex((lastKey) => lastKey !== null && joiner.key <= lastKey);
    return stage < 0 ? last : stage;
  }
  if (plan.type !== 'labels') {
    return last;
  }
  const ring = (labels: Record<string, string>): number => {
    const index = plan.selectors.findIndex((selector) =>
      Object.entries(selector).every(([key, value]) => labels[key] === value),
    );
    return index < 0 ? plan.selectors.length : index;
  };
  const mine = ring(joiner.labels);
  const stage = outline.firstLabels.findIndex((labels) => labels !== null && ring(labels) >= mine);
  return stage < 0 ? last : stage;
}
