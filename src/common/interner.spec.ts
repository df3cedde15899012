import { Interner, SharedValues } from './interner.js';

describe('Interner', () => {
  it('returns the first copy of equal strings', () => {
    const sut = new Interner();
    const first = ['ws://', 'host'].join('');
    const second = ['ws:/', '/host'].join('');

    expect(sut.of(first)).toBe('ws://host');
    expect(sut.of(second)).toBe(first);
    expect(sut.of('other')).toBe('other');
  });

  it('starts over past its limit, and still returns equal values', () => {
    const sut = new Interner(2);
    sut.of('a');
    sut.of('b');

    expect(sut.of('c')).toBe('c');
    expect(sut.of('a')).toBe('a');
  });

  it('shares the first object given for a key', () => {
    const sut = new SharedValues<{ id: string }>();
    const first = { id: 'a' };

    expect(sut.share('a', first)).toBe(first);
    expect(sut.share('a', { id: 'a' })).toBe(first);
    expect(sut.share('b', { id: 'b' })).not.toBe(first);
  });
});
