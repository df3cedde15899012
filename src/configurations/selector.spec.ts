import {
  agentLabelSet,
  pickConfiguration,
  sameSelector,
  selectorChange,
  selectorMatches,
  type AssignmentCandidate,
} from './selector.js';

const agent = {
  identifyingAttributes: { 'service.name': 'collector', env: 'staging' },
  nonIdentifyingAttributes: { 'os.type': 'linux' },
  labels: { env: 'production', team: 'obs' },
};

function candidate(name: string, selector: Record<string, string>, priority = 0, created = 0): AssignmentCandidate {
  return { id: name, name, selector, priority, createdAt: new Date(1_700_000_000_000 + created) };
}

describe('selector matching', () => {
  it('merges attributes and labels, server-side labels winning', () => {
    expect(agentLabelSet(agent)).toEqual({
      'service.name': 'collector',
      env: 'production',
      'os.type': 'linux',
      team: 'obs',
    });
  });

  it('needs every pair to match, across all three sources', () => {
    const labels = agentLabelSet(agent);
    expect(selectorMatches({ env: 'production', 'os.type': 'linux', 'service.name': 'collector' }, labels)).toBe(true);
    expect(selectorMatches({ env: 'production', team: 'other' }, labels)).toBe(false);
    expect(selectorMatches({ env: 'staging' }, labels)).toBe(false);
    expect(selectorMatches({ missing: '' }, labels)).toBe(false);
  });

  it('matches nothing with an empty selector', () => {
    expect(selectorMatches({}, agentLabelSet(agent))).toBe(false);
  });
});

describe('pickConfiguration', () => {
  it('takes the highest priority among matches', () => {
    const sut = pickConfiguration(
      [
        candidate('low', { env: 'production' }, 1),
        candidate('high', { team: 'obs' }, 5),
        candidate('x', { team: 'no' }, 9),
      ],
      agent,
    );
    expect(sut?.name).toBe('high');
  });

  it('breaks a priority tie by the oldest, then by name', () => {
    expect(
      pickConfiguration(
        [candidate('newer', { team: 'obs' }, 1, 10), candidate('older', { env: 'production' }, 1, 5)],
        agent,
      )?.name,
    ).toBe('older');
    expect(
      pickConfiguration([candidate('b', { team: 'obs' }, 1, 5), candidate('A', { env: 'production' }, 1, 5)], agent)
        ?.name,
    ).toBe('A');
  });

  it('returns undefined when nothing matches', () => {
    expect(pickConfiguration([candidate('none', { env: 'dev' })], agent)).toBeUndefined();
  });
});

describe('selectorChange', () => {
  it('lists added, removed and changed keys', () => {
    expect(
      selectorChange({ env: 'prod', region: 'eu', tier: '1' }, { env: 'production', tier: '1', team: 'obs' }),
    ).toEqual({
      added: { team: 'obs' },
      removed: { region: 'eu' },
      changed: { env: { from: 'prod', to: 'production' } },
    });
    expect(sameSelector({ a: '1', b: '2' }, { b: '2', a: '1' })).toBe(true);
    expect(sameSelector({ a: '1' }, { a: '1', b: '2' })).toBe(false);
  });
});
