/**
 * Capped exponential backoff with jitter: attempt 0 waits up to `baseMs` (at least half of it), each later one up
 * to twice as long, never more than `maxMs`. The jitter spreads the instances of a cluster that
 * lost the same database, so they do not all knock at the same moment.
 */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
