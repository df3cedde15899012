import { backoffDelayMs } from './backoff.js';

describe('backoffDelayMs', () => {
  it('doubles from the base and never passes the cap', () => {
    const sut = (attempt: number, r: number): number => backoffDelayMs(attempt, 500, 15_000, () => r);
    expect([0, 1, 2, 3].map((a) => sut(a, 1))).toEqual([500, 1000, 2000, 4000]);
    expect(sut(10, 1)).toBe(15_000);
    expect(sut(1000, 1)).toBe(15_000);
  });

  it('jitters within the upper half of the window', () => {
    expect(backoffDelayMs(2, 500, 15_000, () => 0)).toBe(1000);
    expect(backoffDelayMs(2, 500, 15_000, () => 0.5)).toBe(1500);
  });
});
