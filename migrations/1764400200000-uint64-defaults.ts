import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The uint64 and bigint counters' defaults written as their entities state them ('0' of the
 * column's type, as TypeORM writes it): changing a column's type in AgentsUint64 kept the integer
 * literal, and the schema test compares PostgreSQL's own text of both. Same value; no row changes.
 */
export class Uint64Defaults1764400200000 implements MigrationInterface {
  name = 'Uint64Defaults1764400200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE agents ALTER COLUMN capabilities SET DEFAULT '0', ALTER COLUMN sequence_num SET DEFAULT '0'`,
    );
    await q.query(`ALTER TABLE packages ALTER COLUMN download_count SET DEFAULT '0'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE agents ALTER COLUMN capabilities SET DEFAULT 0, ALTER COLUMN sequence_num SET DEFAULT 0`,
    );
    await q.query(`ALTER TABLE packages ALTER COLUMN download_count SET DEFAULT 0`);
  }
}
