/**
 * Decides whether a new agent connection (WebSocket upgrade or first HTTP poll) may proceed:
 * a cap on concurrent connections and a token bucket on new handshakes. Refusals carry a
 * jittered Retry-After so a refused fleet does not come back in lockstep.
 */
export class Admission {
  private tokens: number;
  private lastRefill: number;

  constructor(
    private readonly maxConnections: number,
    private readonly handshakesPerSecond: number,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    this.tokens = handshakesPerSecond;
    this.lastRefill = now();
  }

  /** undefined when admitted (a token is taken), else the seconds to put in Retry-After. */
  admit(currentConnections: number): number | undefined {
    if (currentConnections >= this.maxConnections) {
      return this.retryAfter(30);
    }
    this.refill();
    if (this.tokens < 1) {
      return this.retryAfter(5);
    }
    this.tokens -= 1;
    return undefined;
  }

  private refill(): void {
    const now = this.now();
    const elapsed = (now - this.lastRefill) / 1000;
    if (elapsed > 0) {
      this.tokens = Math.min(this.handshakesPerSecond, this.tokens + elapsed * this.handshakesPerSecond);
      this.lastRefill = now;
    }
  }

  /** Between base and 2 x base seconds. */
  private retryAfter(base: number): number {
    return Math.ceil(base + this.random() * base);
  }
}
