import { assignStages } from './rollout-plan.js';
import { joinerStage, rolloutKey } from './joiner-stage.js';

const uid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

describe('joinerStage', () => {
  it('puts a joiner of a percent plan where the rollout order would have put it', () => {
    const plan = { type: 'percent' as const, percents: [10, 50, 100] };
    const rolloutId = 'r-1';
    const all = Array.from({ length: 60 }, (_, i) => ({ instanceUid: uid(i), labels: {} }));
    // 40 agents at the start; 20 join.
    const staged = assignStages(plan, rolloutId, all.slice(0, 40));
    const lastKeys = [0, 1, 2].map((stage) =>
      staged.agents
        .filter((a) => a.stage === stage)
        .map((a) => rolloutKey(rolloutId, a.instanceUid))
        .reduce((max, key) => (key > max ? key : max), ''),
    );
    const ordered = staged.agents
      .map((a) => ({ stage: a.stage, key: rolloutKey(rolloutId, a.instanceUid) }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
    for (const joiner of all.slice(40)) {
      const key = rolloutKey(rolloutId, joiner.instanceUid);
      const next = ordered.find((a) => a.key > key);
      const placed = joinerStage(plan, 3, { key, labels: {} }, { kind: 'keys', lastKeys });
      expect(placed).toBe(next ? next.stage : 2);
    }
    // Past the highest key: the last stage; before the lowest: the first.
    expect(joinerStage(plan, 3, { key: 'f'.repeat(64), labels: {} }, { kind: 'keys', lastKeys })).toBe(2);
    expect(joinerStage(plan, 3, { key: '0'.repeat(64), labels: {} }, { kind: 'keys', lastKeys })).toBe(0);
  });

  it('puts a joiner of a label plan in its ring, the next ring when its own had no agent, else the last stage', () => {
    const plan = { type: 'labels' as const, selectors: [{ ring: 'canary' }, { ring: 'early' }] };
    // Stages: canary, rest (no early agent when the rollout started).
    const outline = { kind: 'labels' as const, firstLabels: [{ ring: 'canary' }, { ring: 'late' }] };
    const place = (labels: Record<string, string>) => joinerStage(plan, 2, { key: 'a', labels }, outline);
    expect(place({ ring: 'canary' })).toBe(0);
    expect(place({ ring: 'early' })).toBe(1);
    expect(place({})).toBe(1);
  });

  it('puts a joiner of a rollout that had no agents in its only stage', () => {
    const plan = { type: 'count' as const, first: 1, multiplier: 2, max: 4 };
    expect(joinerStage(plan, 1, { key: 'a', labels: {} }, { kind: 'keys', lastKeys: [] })).toBe(0);
  });
});
