import { allPackagesHash, packageHash, type OfferedPackage } from './package-offers.js';

const pkg = (name: string, version = '1.0.0', checksum = 'ab'.repeat(32)): OfferedPackage => ({
  packageId: 1,
  name,
  version,
  checksum,
  signature: null,
});

describe('package offer hashes', () => {
  it('change with the version and the content, not with the id or the signature', () => {
    const base = packageHash(pkg('a'));
    expect(packageHash({ ...pkg('a'), packageId: 99, signature: Buffer.from('sig') })).toEqual(base);
    expect(packageHash(pkg('a', '1.0.1'))).not.toEqual(base);
    expect(packageHash(pkg('a', '1.0.0', 'cd'.repeat(32)))).not.toEqual(base);
    expect(base).toHaveLength(32);
  });

  it('give the same all-packages hash whatever the order, and another one for another set', () => {
    const one = allPackagesHash([pkg('a'), pkg('b', '2.0.0')]);
    expect(allPackagesHash([pkg('b', '2.0.0'), pkg('a')])).toEqual(one);
    expect(allPackagesHash([pkg('a'), pkg('b', '2.0.1')])).not.toEqual(one);
    expect(allPackagesHash([pkg('a')])).not.toEqual(one);
    // Names are part of it: the same package under another name is another set.
    expect(allPackagesHash([pkg('c'), pkg('b', '2.0.0')])).not.toEqual(one);
  });
});
