import { selectorChange } from './selector-change.js';

describe('selectorChange', () => {
  it('lists added, removed and changed keys', () => {
    expect(
      selectorChange({ env: 'prod', region: 'eu', tier: '1' }, { env: 'production', tier: '1', team: 'obs' }),
    ).toEqual({
      added: { team: 'obs' },
      removed: { region: 'eu' },
      changed: { env: { from: 'prod', to: 'production' } },
    });
  });
});
