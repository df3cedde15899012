/** SQLSTATEs of a transaction PostgreSQL aborted to break a deadlock or a serialization conflict. */
const RETRYABLE = new Set(['40P01', '40001']);

/** True for an error whose transaction PostgreSQL aborted only to let another one through. */
export function isTransientConflict(error: unknown): boolean {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.code ?? e?.driverError?.code;
  return typeof code === 'string' && RETRYABLE.has(code);
}

/**
 * Runs `work` (a whole transaction or a single statement) again when PostgreSQL aborted it to
 * break a deadlock: row locks are taken in instance_uid order, so this is a safety net, not the
 * plan. `work` must be safe to repeat from the start.
 */
export async function retryTransient<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isTransientConflict(error)) {
        throw error;
      }
      // A little jitter, so the two sides of a conflict do not meet again at once.
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
    }
  }
}
