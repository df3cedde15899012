import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per explicit push (`POST /configurations/:name/push`). A push id used to be known only
 * through the apply-history rows its offers wrote, so a push whose targets were all skipped here
 * (already applied, or held by other instances that found them applied) answered 404 on its own
 * summary. The row is written in the statement that wakes the other instances.
 */
export class ConfigurationPushes1763800600000 implements MigrationInterface {
  name = 'ConfigurationPushes1763800600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE configuration_pushes (
        id uuid PRIMARY KEY,
        configuration_id uuid NOT NULL REFERENCES configurations (id),
        version integer NOT NULL,
        targeted integer NOT NULL,
        forwarded integer NOT NULL,
        sent integer,
        skipped integer,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX configuration_pushes_configuration_idx ON configuration_pushes (configuration_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE configuration_pushes`);
  }
}
