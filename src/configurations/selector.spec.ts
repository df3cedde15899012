import { sameSelector, selectorChange } from './selector.js';

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
