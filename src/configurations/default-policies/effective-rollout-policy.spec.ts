import { effectivePolicy, needsDefaults } from './effective-rollout-policy.js';

const own = { plan: { type: 'percent' as const, percents: [50, 100] } };
const match = {
  name: 'prod',
  priority: 3,
  selector: { env: 'prod' },
  policy: { plan: { type: 'percent' as const, percents: [1, 10, 100] } },
};
const base = { autoPush: true, rolloutPolicy: null, inheritRolloutPolicy: true };

describe('effectivePolicy', () => {
  it('takes the configuration’s own policy over any default', () => {
    const sut = effectivePolicy({ ...base, rolloutPolicy: own }, match);
    expect(sut).toEqual(expect.objectContaining({ source: 'configuration', policy: own, defaultPolicy: null }));
  });

  it('takes the matching default when the configuration has none and inherits', () => {
    const sut = effectivePolicy(base, match);
    expect(sut).toEqual(expect.objectContaining({ source: 'default', policy: match.policy, defaultPolicy: 'prod' }));
    expect(sut.reason).toContain('env=prod');
  });

  it('takes none when opted out, when nothing matches, or with auto_push off (even with its own policy)', () => {
    expect(effectivePolicy({ ...base, inheritRolloutPolicy: false }, match).source).toBe('none');
    expect(effectivePolicy(base, null).source).toBe('none');
    const off = effectivePolicy({ ...base, autoPush: false, rolloutPolicy: own }, match);
    expect(off).toEqual(expect.objectContaining({ source: 'none', policy: null }));
    expect(off.reason).toContain('auto_push is off');
  });

  it('needs the stored defaults only for an inheriting auto-push configuration without its own policy', () => {
    expect(needsDefaults(base)).toBe(true);
    expect(needsDefaults({ ...base, rolloutPolicy: own })).toBe(false);
    expect(needsDefaults({ ...base, inheritRolloutPolicy: false })).toBe(false);
    expect(needsDefaults({ ...base, autoPush: false })).toBe(false);
  });
});
