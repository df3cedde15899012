import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rollouts of package versions. A rollout's subject is a configuration version or a package
 * assignment (exactly one: the CHECK says so). A held assignment is offered to nobody until a
 * rollout's stages reach its agents (and to every matching agent once the rollout completes).
 * The package's name and version are copied into the rollout so its history still reads after
 * the assignment or the package is deleted. Each rollout agent keeps the version it had before,
 * and the package row of that version when the server stores one, for a rollback to offer.
 */
export class PackageRollouts1764400000000 implements MigrationInterface {
  name = 'PackageRollouts1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE package_assignments ADD COLUMN held boolean NOT NULL DEFAULT false`);
    await q.query(`
      ALTER TABLE rollouts
        ALTER COLUMN configuration_id DROP NOT NULL,
        ALTER COLUMN from_version DROP NOT NULL,
        ALTER COLUMN to_version DROP NOT NULL,
        ALTER COLUMN to_config_hash DROP NOT NULL,
        ADD COLUMN package_assignment_id integer REFERENCES package_assignments (id) ON DELETE SET NULL,
        ADD COLUMN package_id integer REFERENCES packages (id) ON DELETE SET NULL,
        ADD COLUMN package_name varchar(128),
        ADD COLUMN package_version varchar(128),
        ADD CONSTRAINT rollouts_one_subject CHECK (
          (configuration_id IS NOT NULL AND from_version IS NOT NULL AND to_version IS NOT NULL
             AND to_config_hash IS NOT NULL AND package_name IS NULL AND package_version IS NULL)
          OR (configuration_id IS NULL AND from_version IS NULL AND to_version IS NULL AND to_config_hash IS NULL
             AND package_name IS NOT NULL AND package_version IS NOT NULL))`);
    await q.query(`
      CREATE UNIQUE INDEX rollouts_one_active_assignment_idx ON rollouts (package_assignment_id)
        WHERE status IN ('running', 'paused')`);
    await q.query(`CREATE INDEX rollouts_assignment_idx ON rollouts (package_assignment_id, created_at)`);
    await q.query(`
      ALTER TABLE rollout_agents
        ADD COLUMN previous_package_version varchar(128),
        ADD COLUMN previous_package_id integer REFERENCES packages (id) ON DELETE SET NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE rollout_agents DROP COLUMN previous_package_id, DROP COLUMN previous_package_version`);
    await q.query(`DELETE FROM rollouts WHERE configuration_id IS NULL`);
    await q.query(`
      ALTER TABLE rollouts
        DROP CONSTRAINT rollouts_one_subject,
        DROP COLUMN package_version,
        DROP COLUMN package_name,
        DROP COLUMN package_id,
        DROP COLUMN package_assignment_id,
        ALTER COLUMN configuration_id SET NOT NULL,
        ALTER COLUMN from_version SET NOT NULL,
        ALTER COLUMN to_version SET NOT NULL,
        ALTER COLUMN to_config_hash SET NOT NULL`);
    await q.query(`ALTER TABLE package_assignments DROP COLUMN held`);
  }
}
