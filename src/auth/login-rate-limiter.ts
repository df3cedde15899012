/**
 * Counts failed logins per client IP and per username in a fixed window. Either key over the
 * limit refuses further attempts until its window ends. In memory: each instance limits alone,
 * which bounds a guesser to limit x instances per window.
 */
export class LoginRateLimiter {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly maxAttempts: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until the caller may try again, or 0 when allowed. */
  retryAfterSeconds(ip: string, username: string): number {
    const now = this.now();
    let wait = 0;
    for (const key of this.keys(ip, username)) {
      const entry = this.failures.get(key);
      if (entry && entry.resetAt > now && entry.count >= this.maxAttempts) {
        wait = Math.max(wait, Math.ceil((entry.resetAt - now) / 1000));
      }
    }
    return wait;
  }

  recordFailure(ip: string, username: string): void {
    const now = this.now();
    if (this.failures.size > 100_000) {
      this.prune(now);
    }
    for (const key of this.keys(ip, username)) {
      const entry = this.failures.get(key);
      if (!entry || entry.resetAt <= now) {
        this.failures.set(key, { count: 1, resetAt: now + this.windowMs });
      } else {
        entry.count += 1;
      }
    }
  }

  recordSuccess(username: string): void {
    this.failures.delete(`user:${username.toLowerCase()}`);
  }

  private keys(ip: string, username: string): string[] {
    return [`ip:${ip}`, `user:${username.toLowerCase()}`];
  }

  private prune(now: number): void {
    for (const [key, entry] of this.failures) {
      if (entry.resetAt <= now) {
        this.failures.delete(key);
      }
    }
  }
}
