import { withDefaultGates } from '../configurations/rollout-policy.js';
import { evaluateGates } from './rollout-gates.js';

describe('rollout gates', () => {
  it('trips on any failure, unhealthy or lost agent by default', () => {
    const sut = evaluateGates(withDefaultGates(undefined), { offered: 10, failed: 0, unhealthy: 1, disconnected: 0 });
    expect(sut.filter((r) => !r.passed).map((r) => r.gate)).toEqual(['unhealthy']);
  });

  it('reads a percentage of the agents offered so far instead of the count when one is set', () => {
    const gates = withDefaultGates({ max_failed_percent: 10, max_unhealthy: 2 });
    const within = evaluateGates(gates, { offered: 30, failed: 3, unhealthy: 2, disconnected: 0 });
    expect(within.every((r) => r.passed)).toBe(true);
    const over = evaluateGates(gates, { offered: 30, failed: 4, unhealthy: 3, disconnected: 0 });
    expect(over.map((r) => [r.gate, r.threshold, r.passed])).toEqual([
      ['failed', 3, false],
      ['unhealthy', 2, false],
      ['disconnected', 0, true],
    ]);
  });
});
