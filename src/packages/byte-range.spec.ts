import { etagMatches, parseRange } from './byte-range.js';

describe('parseRange', () => {
  it('serves the whole file without a header', () => {
    expect(parseRange(undefined, 100)).toEqual({ kind: 'full' });
  });

  it.each([
    ['bytes=0-9', { start: 0, end: 9 }],
    ['bytes=10-', { start: 10, end: 99 }],
    ['bytes=-10', { start: 90, end: 99 }],
    ['bytes=-1000', { start: 0, end: 99 }],
    ['bytes=50-5000', { start: 50, end: 99 }],
    ['bytes=99-99', { start: 99, end: 99 }],
    [' bytes=1-2 ', { start: 1, end: 2 }],
  ])('answers %s with a partial range', (header, range) => {
    expect(parseRange(header, 100)).toEqual({ kind: 'partial', range });
  });

  it.each(['bytes=100-', 'bytes=100-200', 'bytes=-0'])('refuses %s on a 100-byte file', (header) => {
    expect(parseRange(header, 100)).toEqual({ kind: 'unsatisfiable' });
  });

  it('refuses any range of an empty file', () => {
    expect(parseRange('bytes=-5', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it.each(['bytes=0-1,5-6', 'items=0-5', 'bytes=-', 'bytes=abc', 'bytes=9-3', 'bytes=1.5-3'])(
    'ignores %s and serves the whole file',
    (header) => {
      expect(parseRange(header, 100)).toEqual({ kind: 'full' });
    },
  );
});

describe('etagMatches', () => {
  const etag = '"abc"';

  it.each(['"abc"', 'W/"abc"', '"x", "abc"', '*'])('matches %s', (header) => {
    expect(etagMatches(header, etag)).toBe(true);
  });

  it.each([undefined, '', '"abd"', 'abc'])('does not match %s', (header) => {
    expect(etagMatches(header, etag)).toBe(false);
  });
});
