import { agentLabelSet } from './label-set.js';

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
