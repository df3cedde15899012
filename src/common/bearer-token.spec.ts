import { bearerToken } from './bearer-token.js';

describe('bearerToken', () => {
  it('reads a Bearer credential, scheme case-insensitive', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer   abc')).toBe('abc');
  });

  it('refuses missing, empty and malformed headers', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken('Token abc')).toBeUndefined();
  });

  it('reads Basic only when asked, taking the password', () => {
    const basic = `Basic ${Buffer.from('agent:opk_secret').toString('base64')}`;
    expect(bearerToken(basic)).toBeUndefined();
    expect(bearerToken(basic, { basic: true })).toBe('opk_secret');
    expect(bearerToken(`Basic ${Buffer.from('agent:').toString('base64')}`, { basic: true })).toBeUndefined();
  });
});
