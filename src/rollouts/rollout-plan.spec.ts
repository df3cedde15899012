import { assignStages, rolloutOrder, stageEnds } from './rollout-plan.js';

const agents = (n: number, labels: (i: number) => Record<string, string> = () => ({})) =>
  Array.from({ length: n }, (_, i) => ({
    instanceUid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    labels: labels(i),
  }));

describe('rollout plans', () => {
  it('turns cumulative percentages into stage ends, dropping stages that take nobody new', () => {
    expect(stageEnds({ type: 'percent', percents: [10, 50, 100] }, 30)).toEqual([3, 15, 30]);
    expect(stageEnds({ type: 'percent', percents: [1, 2, 100] }, 30)).toEqual([1, 30]);
    expect(stageEnds({ type: 'percent', percents: [50, 100] }, 0)).toEqual([]);
  });

  it('grows count stages by the multiplier up to the maximum batch', () => {
    expect(stageEnds({ type: 'count', first: 2, multiplier: 3, max: 10 }, 40)).toEqual([2, 8, 18, 28, 38, 40]);
    expect(stageEnds({ type: 'count', first: 5, multiplier: 1, max: 5 }, 12)).toEqual([5, 10, 12]);
  });

  it('orders agents the same way whatever order they are read in, and differently per rollout', () => {
    const fleet = agents(50);
    const a = rolloutOrder('r1', fleet).map((x) => x.instanceUid);
    expect(rolloutOrder('r1', [...fleet].reverse()).map((x) => x.instanceUid)).toEqual(a);
    expect(rolloutOrder('r2', fleet).map((x) => x.instanceUid)).not.toEqual(a);
  });

  it('puts label stages first and the rest last, skipping empty ones', () => {
    const fleet = agents(10, (i) => ({ ring: i < 2 ? 'canary' : i < 5 ? 'beta' : 'prod' }));
    const sut = assignStages(
      { type: 'labels', selectors: [{ ring: 'canary' }, { ring: 'none' }, { ring: 'beta' }] },
      'r',
      fleet,
    );
    expect(sut.stageCount).toBe(3);
    const stageOf = (i: number) => sut.agents.find((a) => a.instanceUid === fleet[i].instanceUid)!.stage;
    expect([0, 1].map(stageOf)).toEqual([0, 0]);
    expect([2, 3, 4].map(stageOf)).toEqual([1, 1, 1]);
    expect([5, 9].map(stageOf)).toEqual([2, 2]);
  });

  it('gives every agent exactly one stage in a percent plan', () => {
    const sut = assignStages({ type: 'percent', percents: [10, 50, 100] }, 'r', agents(30));
    expect(sut.stageCount).toBe(3);
    expect([0, 1, 2].map((s) => sut.agents.filter((a) => a.stage === s).length)).toEqual([3, 12, 15]);
  });
});
