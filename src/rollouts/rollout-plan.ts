import crypto from 'node:crypto';
import type { RolloutPlan } from '../configurations/rollout-policy.js';

/** An agent a rollout may take, with the labels its stage may be chosen by. */
export interface PlanAgent {
  instanceUid: string;
  labels: Record<string, string>;
}

/** Where an agent goes: its stage and its place in the rollout's order. */
export interface StagedAgent {
  instanceUid: string;
  stage: number;
  position: number;
}

/**
 * The rollout's order of agents: by a hash of (rollout id, instance uid), so it is the same on
 * every instance and after any restart, differs between rollouts (the same agents are not always
 * first), and does not depend on the order agents were read in.
 */
export function rolloutOrder<T extends { instanceUid: string }>(rolloutId: string, agents: T[]): T[] {
  const key = (uid: string) => crypto.createHash('sha256').update(`${rolloutId}:${uid}`).digest('hex');
  return agents
    .map((agent) => ({ agent, key: key(agent.instanceUid) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((entry) => entry.agent);
}

/** Cumulative stage ends (exclusive) over `total` agents for a percent or count plan. */
export function stageEnds(plan: Exclude<RolloutPlan, { type: 'labels' }>, total: number): number[] {
  const ends: number[] = [];
  if (plan.type === 'percent') {
    for (const percent of plan.percents) {
      ends.push(Math.min(total, Math.ceil((total * percent) / 100)));
    }
  } else {
    let size = plan.first;
    let end = 0;
    while (end < total) {
      end = Math.min(total, end + Math.min(Math.round(size), plan.max));
      ends.push(end);
      size *= plan.multiplier;
    }
  }
  // Stages that would take no new agent (1% of 30 and 10% of 30 both round up to a few) are dropped.
  return ends.filter((end, i) => end > 0 && (i === 0 || end > ends[i - 1]));
}

/** Puts every agent into a stage (0-based, no empty stage); returns the agents and the stage count. */
export function assignStages(
  plan: RolloutPlan,
  rolloutId: string,
  agents: PlanAgent[],
): { agents: StagedAgent[]; stageCount: number } {
  const ordered = rolloutOrder(rolloutId, agents);
  const staged: StagedAgent[] = [];
  if (plan.type === 'labels') {
    const remaining = new Set(ordered.map((a) => a.instanceUid));
    let stage = 0;
    const groups = [...plan.selectors.map((s) => (a: PlanAgent) => matches(a.labels, s)), () => true];
    for (const inGroup of groups) {
      const members = ordered.filter((a) => remaining.has(a.instanceUid) && inGroup(a));
      if (members.length === 0) {
        continue;
      }
      for (const member of members) {
        remaining.delete(member.instanceUid);
        staged.push({ instanceUid: member.instanceUid, stage, position: staged.length });
      }
      stage += 1;
    }
    return { agents: staged, stageCount: stage };
  }
  const ends = stageEnds(plan, ordered.length);
  let stage = 0;
  ordered.forEach((agent, position) => {
    while (position >= ends[stage]) {
      stage += 1;
    }
    staged.push({ instanceUid: agent.instanceUid, stage, position });
  });
  return { agents: staged, stageCount: ends.length };
}

function matches(labels: Record<string, string>, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}
