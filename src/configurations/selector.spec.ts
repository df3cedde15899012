import { sameSelector } from './selector.js';

describe('sameSelector', () => {
  it('compares pairs, whatever their order', () => {
    expect(sameSelector({ a: '1', b: '2' }, { b: '2', a: '1' })).toBe(true);
    expect(sameSelector({ a: '1' }, { a: '1', b: '2' })).toBe(false);
    expect(sameSelector({ a: '1' }, { a: '2' })).toBe(false);
  });
});
