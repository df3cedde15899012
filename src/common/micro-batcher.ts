/**
 * Collects keys requested within `windowMs` of each other and resolves them all from one call of
 * `load`: a reconnect storm's thousands of per-agent lookups become a query per batch.
 */
export class MicroBatcher<K, V> {
  private pending?: { keys: Set<K>; result: Promise<Map<K, V>> };

  constructor(
    private readonly load: (keys: K[]) => Promise<Map<K, V>>,
    private readonly windowMs = 10,
    private readonly maxBatch = 1000,
  ) {}

  /** Resolves with the loaded value for `key` (undefined when `load` returned none for it). */
  async get(key: K): Promise<V | undefined> {
    if (!this.pending || this.pending.keys.size >= this.maxBatch) {
      const keys = new Set<K>();
      const result = new Promise<Map<K, V>>((resolve, reject) => {
        setTimeout(() => {
          if (this.pending?.keys === keys) {
            this.pending = undefined;
          }
          this.load([...keys]).then(resolve, reject);
        }, this.windowMs);
      });
      this.pending = { keys, result };
    }
    this.pending.keys.add(key);
    return (await this.pending.result).get(key);
  }
}
