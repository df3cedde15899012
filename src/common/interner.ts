/**
 * Hands out one instance of equal values. Tens of thousands of agents hold the same few values
 * (the endpoint and Authorization header they connected with, the config they are to run, an OS
 * name or a version in their description): as separate copies each costs its own bytes for as
 * long as the agent is connected. Bounded: past `limit` distinct keys the table starts over, so
 * values that differ per agent only pass through it. Shared values must never be mutated.
 */
export class SharedValues<T> {
  private readonly table = new Map<string, T>();

  constructor(private readonly limit = 1024) {}

  /** The instance first seen for `key`, or `value` (which becomes it). */
  share(key: string, value: T): T {
    const known = this.table.get(key);
    if (known !== undefined) {
      return known;
    }
    if (this.table.size >= this.limit) {
      this.table.clear();
    }
    this.table.set(key, value);
    return value;
  }
}

/** SharedValues for strings: one copy of equal strings. */
export class Interner extends SharedValues<string> {
  of(value: string): string {
    return this.share(value, value);
  }
}

/**
 * Config and component hashes (hex) as agents report, run and hold them: a fleet has a handful,
 * held once for all its agents by every feature that keeps one.
 */
export const hexHashes = new Interner(512);
