interface Batch<K, V> {
  keys: Set<K>;
  result: Promise<Map<K, V>>;
  resolve: (values: Map<K, V>) => void;
  reject: (error: unknown) => void;
}

/**
 * Collects keys requested within `windowMs` of each other and resolves them all from one call of
 * `load`: a reconnect storm's thousands of per-agent lookups become a query per batch.
 *
 * With `maxInFlight`, at most that many loads run at once; keys arriving meanwhile keep joining
 * the waiting batch, which starts when a load finishes (group commit). Under load the batches grow
 * instead of the number of statements queued for the connection pool.
 */
export class MicroBatcher<K, V> {
  private pending?: Batch<K, V>;
  private readonly waiting: Array<Batch<K, V>> = [];
  private inFlight = 0;

  constructor(
    private readonly load: (keys: K[]) => Promise<Map<K, V>>,
    private readonly windowMs = 10,
    private readonly maxBatch = 1000,
    private readonly maxInFlight = Infinity,
  ) {}

  /** Resolves with the loaded value for `key` (undefined when `load` returned none for it). */
  async get(key: K): Promise<V | undefined> {
    if (!this.pending || this.pending.keys.size >= this.maxBatch) {
      this.pending = this.open();
    }
    const batch = this.pending;
    batch.keys.add(key);
    return (await batch.result).get(key);
  }

  private open(): Batch<K, V> {
    let resolve!: Batch<K, V>['resolve'];
    let reject!: Batch<K, V>['reject'];
    const result = new Promise<Map<K, V>>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const batch: Batch<K, V> = { keys: new Set(), result, resolve, reject };
    setTimeout(() => {
      if (this.inFlight < this.maxInFlight) {
        this.start(batch);
      } else {
        this.waiting.push(batch);
      }
    }, this.windowMs);
    return batch;
  }

  private start(batch: Batch<K, V>): void {
    if (this.pending === batch) {
      this.pending = undefined;
    }
    this.inFlight += 1;
    this.load([...batch.keys])
      .then(batch.resolve, batch.reject)
      .finally(() => {
        this.inFlight -= 1;
        const next = this.waiting.shift();
        if (next) {
          this.start(next);
        }
      });
  }
}
