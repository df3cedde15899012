import { allPackagesHash, packageHash, selectorMatches, type OfferedPackage } from './package-offers.js';

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

describe('selectorMatches', () => {
  const agent = {
    instanceUid: '0190c6a5-0000-7000-8000-000000000001',
    labels: { env: 'prod', team: 'core' },
    identifyingAttributes: { 'service.name': 'collector' },
    nonIdentifyingAttributes: { 'os.type': 'linux', env: 'staging' },
  };

  it('needs every key to match a label or an attribute', () => {
    expect(selectorMatches({ env: 'prod' }, agent)).toBe(true);
    expect(selectorMatches({ env: 'prod', 'os.type': 'linux', 'service.name': 'collector' }, agent)).toBe(true);
    expect(selectorMatches({ env: 'prod', 'os.type': 'windows' }, agent)).toBe(false);
    expect(selectorMatches({ missing: 'x' }, agent)).toBe(false);
  });

  it('lets a server-side label override an attribute of the same name', () => {
    expect(selectorMatches({ env: 'staging' }, agent)).toBe(false);
  });
});
