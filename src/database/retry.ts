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

/**
 * True for an error that says the database could not be reached or went away (connection
 * refused or reset, server shutting down, too many connections, pool timeout): retrying later
 * can succeed, unlike an error the same statement would raise again.
 */
export function isConnectionFailure(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.code ?? e?.driverError?.code;
  if (typeof code === 'string') {
    // Class 08: connection exception; 53: insufficient resources; 57P01-57P03: shutdown, cannot connect now.
    if (code.startsWith('08') || code.startsWith('53') || /^57P0[1-3]$/.test(code)) {
      return true;
    }
    if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) {
      return true;
    }
  }
  const message = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Driver not Connected|Client has encountered a connection error/i.test(
    message,
  );
}

/** True when doing the same thing again later can succeed: a conflict or a database out of reach. */
export function isRetryable(error: unknown): boolean {
  return isTransientConflict(error) || isConnectionFailure(error);
}
