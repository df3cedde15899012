import { Injectable } from '@nestjs/common';
import { DataSource, type QueryRunner } from 'typeorm';

/** Any 64-bit number only this feature uses: the storage reconciler's PostgreSQL advisory lock. */
const RECONCILE_LOCK_KEY = 7_245_113_901;

/** What the storage reconciler asks PostgreSQL: which blobs rows still point at, and who may run. */
@Injectable()
export class PackageBlobsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The subset of `keys` some package row references (its file). */
  async referenced(keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) {
      return new Set();
    }
    const rows = await this.dataSource.query<Array<{ storage_path: string }>>(
      'SELECT storage_path FROM packages WHERE storage_path = ANY($1::text[])',
      [keys],
    );
    return new Set(rows.map((row) => row.storage_path));
  }

  /**
   * Runs `work` while holding the reconciler's advisory lock, on every instance at once at most
   * one of them: the others get undefined. The lock is the session's, so a crash releases it.
   */
  async withReconcileLock<T>(work: () => Promise<T>): Promise<T | undefined> {
    const runner: QueryRunner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const rows = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [RECONCILE_LOCK_KEY])) as Array<{
        locked: boolean;
      }>;
      if (!rows[0]?.locked) {
        return undefined;
      }
      try {
        return await work();
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [RECONCILE_LOCK_KEY]).catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }
}
