import { agentLabelSet, selectorMatches } from './label-set.js';

describe('agentLabelSet', () => {
  it('lets labels override non-identifying attributes, which override identifying ones', () => {
    const sut = agentLabelSet({
      identifyingAttributes: { 'service.name': 'collector', env: 'from-identifying', zone: 'a' },
      nonIdentifyingAttributes: { env: 'from-description', 'os.type': 'linux' },
      labels: { env: 'from-operator' },
    });
    expect(sut).toEqual({ 'service.name': 'collector', env: 'from-operator', zone: 'a', 'os.type': 'linux' });
  });
});

describe('selectorMatches', () => {
  const labels = agentLabelSet({
    identifyingAttributes: { 'service.name': 'collector', env: 'staging' },
    nonIdentifyingAttributes: { 'os.type': 'linux' },
    labels: { env: 'production', team: 'obs' },
  });

  it('needs every pair to match, across all three sources', () => {
    expect(selectorMatches({ env: 'production', 'os.type': 'linux', 'service.name': 'collector' }, labels)).toBe(true);
    expect(selectorMatches({ env: 'production', team: 'other' }, labels)).toBe(false);
    expect(selectorMatches({ missing: '' }, labels)).toBe(false);
  });

  it('sees the server-side label, not the attribute it overrides', () => {
    expect(selectorMatches({ env: 'staging' }, labels)).toBe(false);
  });

  it('matches nothing with an empty selector, as the API documents', () => {
    expect(selectorMatches({}, labels)).toBe(false);
    expect(selectorMatches({}, {})).toBe(false);
  });

  it('does not match inherited object keys', () => {
    expect(selectorMatches({ toString: 'x' }, labels)).toBe(false);
  });
});
