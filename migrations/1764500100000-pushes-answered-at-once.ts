import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A push answered at once (`wait: false`) is recorded before its targets are read: its counts are
 * null until then, and `error` says why it stopped if it could not be carried out after the answer.
 */
export class PushesAnsweredAtOnce1764500100000 implements MigrationInterface {
  name = 'PushesAnsweredAtOnce1764500100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE configuration_pushes ALTER COLUMN targeted DROP NOT NULL, ALTER COLUMN forwarded DROP NOT NULL,
         ADD COLUMN error text`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM configuration_pushes WHERE targeted IS NULL OR forwarded IS NULL`);
    await q.query(
      `ALTER TABLE configuration_pushes DROP COLUMN error, ALTER COLUMN targeted SET NOT NULL,
         ALTER COLUMN forwarded SET NOT NULL`,
    );
  }
}
