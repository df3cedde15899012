/**
 * Hands out one copy of equal strings. Tens of thousands of agents hold the same few values (the
 * endpoint and Authorization header they connected with, the config hash they run, an OS name or
 * a version in their description): as separate copies each costs its own bytes for as long as
 * the agent is connected. Bounded: past `limit` distinct values the table starts over, so values
 * that differ per agent only pass through it.
 */
export class Interner {
  private readonly table = new Map<string, string>();

  constructor(private readonly limit = 1024) {}

  of(value: string): string {
    const known = this.table.get(value);
    if (known !== undefined) {
      return known;
    }
    if (this.table.size >= this.limit) {
      this.table.clear();
    }
    this.table.set(value, value);
    return value;
  }
}
