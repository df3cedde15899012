export interface EventuallyOptions {
  timeoutMs?: number;
  everyMs?: number;
  /** What is awaited, for the timeout message. */
  what?: string;
}

/**
 * Polls `check` until it returns a truthy value, and returns that value. A check that throws (an `expect` that does not hold yet) is retried too; at the deadline
 * its last error is rethrown as is, so the assertion's own message and diff reach the report.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false | 0 | ''>,
  options: number | EventuallyOptions = {},
): Promise<T> {
  const {
    timeoutMs = 5000,
    everyMs = 50,
    what = 'condition',
  } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let failure: unknown;
    try {
      const value = await check();
      if (value) {
        return value;
      }
    } catch (error) {
      failure = error;
    }
    if (Date.now() > deadline) {
      if (failure instanceof Error) {
        throw failure;
      }
      throw new Error(`${what} not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
