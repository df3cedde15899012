export interface AdmissionLimits {
  maxConnections: number;
  handshakesPerSecond: number;
  /** Refuse new handshakes while the event loop lags more than this (0: never). */
  maxLoopLagMs: number;
  /** The current event-loop lag in milliseconds. */
  loopLagMs: () => number;
  /**
   * Refuse new handshakes while this many admitted agents still wait for the answer to their
   * first message (0: never): past it, a newcomer would wait longer than clients give a handshake.
   */
  maxPendingFirstMessages: number;
  /**
   * Refuse new handshakes while the oldest admitted agent still waiting for the answer to its
   * first message has waited longer than this (0: never): that is the queue a newcomer joins.
   */
  maxFirstAnswerWaitMs: number;
  /**
   * While at least this many connections wait to be read (the backlog: the kernel's accept queue
   * and connections accepted but not read yet; 0: never), they arrive faster than this instance
   * takes them: a new handshake is admitted only while fewer than `backlogRoom` admitted agents
   * wait for their first answer, and the surplus is refused at once.
   */
  maxAcceptQueue: number;
  backlogRoom: number;
  /** Connections waiting to be read now; undefined when it cannot be known. */
  backlog: () => number | undefined;
}

export type Refusal = {
  reason: 'connections' | 'rate' | 'busy' | 'pending' | 'backlog';
  retryAfterSeconds: number;
};

/**
 * Decides whether a new agent connection (WebSocket upgrade or first HTTP poll) may proceed:
 * a cap on concurrent connections, a token bucket on new handshakes, and no new handshakes while
 * connections pile up waiting to be read, the event loop is far behind, or too many admitted
 * agents, or one for too long, still wait for their first answer (the agents already connected
 * come first). With a deep backlog the instance admits what it has room for and refuses the
 * surplus: a refusal costs a fraction of an admission, so the queue drains before the kernel drops
 * connections and clients time out, and the refused come back after Retry-After. Refusals carry a
 * jittered Retry-After so a refused fleet does not come back in lockstep.
 */
export class Admission {
  private tokens: number;
  private lastRefill: number;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    this.tokens = limits.handshakesPerSecond;
    this.lastRefill = now();
  }

  /** undefined when admitted (a token is taken), else why not and the seconds to put in Retry-After. */
  admit(currentConnections: number, pendingFirstMessages = 0, oldestFirstMessageWaitMs = 0): Refusal | undefined {
    if (currentConnections >= this.limits.maxConnections) {
      return { reason: 'connections', retryAfterSeconds: this.retryAfter(30) };
    }
    const queued = this.limits.maxAcceptQueue > 0 ? this.limits.backlog() : undefined;
    if (
      queued !== undefined &&
      queued >= this.limits.maxAcceptQueue &&
      pendingFirstMessages >= this.limits.backlogRoom
    ) {
      // Not "refuse everything while the queue is deep": a fleet larger than what the instance
      // takes keeps the queue full whatever it does, and refusing all of it admits nobody.
      return { reason: 'backlog', retryAfterSeconds: this.retryAfter(10) };
    }
    const { maxPendingFirstMessages: maxPending, maxFirstAnswerWaitMs: maxWait } = this.limits;
    if ((maxPending > 0 && pendingFirstMessages >= maxPending) || (maxWait > 0 && oldestFirstMessageWaitMs > maxWait)) {
      return { reason: 'pending', retryAfterSeconds: this.retryAfter(5) };
    }
    if (this.limits.maxLoopLagMs > 0 && this.limits.loopLagMs() > this.limits.maxLoopLagMs) {
      return { reason: 'busy', retryAfterSeconds: this.retryAfter(10) };
    }
    this.refill();
    if (this.tokens < 1) {
      return { reason: 'rate', retryAfterSeconds: this.retryAfter(5) };
    }
    this.tokens -= 1;
    return undefined;
  }

  private refill(): void {
    const now = this.now();
    const elapsed = (now - this.lastRefill) / 1000;
    if (elapsed > 0) {
      const rate = this.limits.handshakesPerSecond;
      this.tokens = Math.min(rate, this.tokens + elapsed * rate);
      this.lastRefill = now;
    }
  }

  /** Between base and 2 x base seconds. */
  private retryAfter(base: number): number {
    return Math.ceil(base + this.random() * base);
  }
}
