import semver from 'semver';
import { SEMVER_PATTERN, safeFileName } from './package-rules.js';
import { semverSortKey } from './semver-sort-key.js';

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

describe('semverSortKey', () => {
  const versions = [
    '0.0.1',
    '0.1.0',
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0-rc-1',
    '1.0.0-0',
    '1.0.0-9',
    '1.0.0-10',
    '1.0.0-a-b',
    '1.0.0-a.b',
    '1.0.0-A',
    '1.0.0',
    '1.2.0',
    '1.10.0',
    '1.9.9',
    '2.0.0',
    '10.0.0',
    '9.99.999',
    '123456789012.0.0',
    '12345678901.0.0',
  ];

  it('orders every pair exactly as semver precedence does', () => {
    for (const a of versions) {
      for (const b of versions) {
        const expected = Math.sign(semver.compare(a, b));
        expect([a, b, Math.sign(byteCompare(semverSortKey(a), semverSortKey(b)))]).toEqual([a, b, expected]);
      }
    }
  });

  it('sorts a shuffled list descending like semver.rcompare', () => {
    const shuffled = [...versions].reverse();
    const byKey = [...shuffled].sort((a, b) => byteCompare(semverSortKey(b), semverSortKey(a)));
    expect(byKey).toEqual([...versions].sort(semver.rcompare));
  });

  it('ignores build metadata, as precedence does', () => {
    expect(semverSortKey('1.0.0+build.5')).toBe(semverSortKey('1.0.0'));
  });

  it('throws on anything that is not a version', () => {
    expect(() => semverSortKey('latest')).toThrow('Not a semantic version');
  });
});

describe('SEMVER_PATTERN', () => {
  it.each(['1.0.0', '0.0.0', '1.2.3-rc.1', '1.2.3+build', '10.20.30-alpha.1+sha.5114f85'])('accepts %s', (v) => {
    expect(SEMVER_PATTERN.test(v)).toBe(true);
    expect(semver.valid(v)).not.toBeNull();
  });

  it.each(['v1.0.0', '=1.0.0', '1.0', '1', '01.0.0', '1.0.0-', '1.0.0-01', 'latest', '', ' 1.0.0', '1.0.0 '])(
    'refuses "%s"',
    (v) => {
      expect(SEMVER_PATTERN.test(v)).toBe(false);
    },
  );
});

describe('safeFileName', () => {
  it.each([
    ['agent-1.0.0.tar.gz', 'agent-1.0.0.tar.gz'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\temp\\agent.exe', 'agent.exe'],
    ['..', 'fallback'],
    ['.hidden', 'hidden'],
    ['a b"c;d.bin', 'a_b_c_d.bin'],
    ['', 'fallback'],
    [undefined, 'fallback'],
  ])('turns %j into %j', (original, expected) => {
    expect(safeFileName(original, 'fallback')).toBe(expected);
  });
});
