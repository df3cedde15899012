import type { DataSource, Migration } from 'typeorm';

/**
 * A fixed key for pg_advisory_lock: every instance (and `npm run migration:run`) that migrates this
 * database takes it first. TypeORM's runner takes no lock, and two instances starting together on
 * an empty database both created the migrations table (duplicate key on pg_type_typname_nsp_index).
 */
export const MIGRATIONS_LOCK_KEY = 7_164_001_015;

/**
 * Runs pending migrations while holding the session-level advisory lock on a connection of its
 * own: the next instance waits, then finds nothing to apply. The lock goes with the connection,
 * so a crash mid-migration cannot leave it held.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATIONS_LOCK_KEY]);
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATIONS_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
