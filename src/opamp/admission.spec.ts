import { Admission } from './admission.js';

describe('Admission', () => {
  let now: number;

  beforeEach(() => {
    now = 0;
  });

  it('refuses at the connection cap with a jittered Retry-After', () => {
    const low = new Admission(
      10,
      100,
      () => now,
      () => 0,
    );
    const high = new Admission(
      10,
      100,
      () => now,
      () => 0.99,
    );
    expect(low.admit(9)).toBeUndefined();
    expect(low.admit(10)).toBe(30);
    expect(high.admit(10)).toBe(60);
  });

  it('limits the handshake rate and refills over time', () => {
    const sut = new Admission(
      1000,
      3,
      () => now,
      () => 0,
    );
    expect([sut.admit(0), sut.admit(0), sut.admit(0)]).toEqual([undefined, undefined, undefined]);
    expect(sut.admit(0)).toBe(5);
    now += 400; // 1.2 tokens back
    expect(sut.admit(0)).toBeUndefined();
    expect(sut.admit(0)).toBe(5);
  });
});
