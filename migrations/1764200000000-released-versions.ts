import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What an agent is offered follows what was released, not merely what was saved: with `auto_push`
 * off (or a rollout policy) a new version used to become every agent's desired state at once, and
 * agents picked it up with their next heartbeat. `released_version` is the version assigned agents
 * get; `agent_config_pins` holds the agents an explicit push or a rollout stage moved to another
 * version of the configuration that wins for them.
 */
export class ReleasedVersions1764200000000 implements MigrationInterface {
  name = 'ReleasedVersions1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE configurations
        ADD COLUMN released_version integer,
        ADD COLUMN released_config_hash char(64),
        ADD COLUMN rollout_policy jsonb`);
    await q.query(`UPDATE configurations SET released_version = version, released_config_hash = config_hash`);
    await q.query(`
      ALTER TABLE configurations
        ALTER COLUMN released_version SET NOT NULL,
        ALTER COLUMN released_config_hash SET NOT NULL`);
    await q.query(`
      CREATE TABLE agent_config_pins (
        instance_uid uuid PRIMARY KEY REFERENCES agents (instance_uid) ON DELETE CASCADE,
        configuration_id uuid NOT NULL REFERENCES configurations (id),
        version integer NOT NULL,
        config_hash char(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX agent_config_pins_configuration_idx ON agent_config_pins (configuration_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE agent_config_pins`);
    await q.query(`
      ALTER TABLE configurations
        DROP COLUMN released_version, DROP COLUMN released_config_hash, DROP COLUMN rollout_policy`);
  }
}
