import { LoginRateLimiter } from './login-rate-limiter.js';

describe('LoginRateLimiter', () => {
  let now: number;
  let sut: LoginRateLimiter;

  beforeEach(() => {
    now = 1_000_000;
    sut = new LoginRateLimiter(3, 60_000, () => now);
  });

  it('allows attempts under the limit', () => {
    sut.recordFailure('1.2.3.4', 'alice');
    sut.recordFailure('1.2.3.4', 'alice');
    expect(sut.retryAfterSeconds('1.2.3.4', 'alice')).toBe(0);
  });

  it('blocks the username from any IP once over the limit, and says how long', () => {
    for (const ip of ['1.1.1.1', '2.2.2.2', '3.3.3.3']) {
      sut.recordFailure(ip, 'Alice');
    }
    now += 15_000;
    expect(sut.retryAfterSeconds('9.9.9.9', 'alice')).toBe(45);
  });

  it('blocks an IP that tries many usernames', () => {
    sut.recordFailure('1.1.1.1', 'a');
    sut.recordFailure('1.1.1.1', 'b');
    sut.recordFailure('1.1.1.1', 'c');
    expect(sut.retryAfterSeconds('1.1.1.1', 'd')).toBeGreaterThan(0);
  });

  it('forgets failures when the window ends', () => {
    for (let i = 0; i < 3; i++) {
      sut.recordFailure('1.1.1.1', 'alice');
    }
    now += 60_001;
    expect(sut.retryAfterSeconds('1.1.1.1', 'alice')).toBe(0);
  });

  it('clears the username counter after a successful login', () => {
    for (let i = 0; i < 3; i++) {
      sut.recordFailure(`10.0.0.${i}`, 'alice');
    }
    sut.recordSuccess('alice');
    expect(sut.retryAfterSeconds('10.0.0.99', 'alice')).toBe(0);
  });
});
