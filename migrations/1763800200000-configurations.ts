import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Versioned configurations, their history, per-agent apply history, and the desired state per
 * agent (which configuration and version it should run, and that config's hash).
 */
export class Configurations1763800200000 implements MigrationInterface {
  name = 'Configurations1763800200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE configurations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(128) NOT NULL,
        description text NOT NULL DEFAULT '',
        raw_config text NOT NULL,
        content_type varchar(64) NOT NULL CHECK (content_type IN ('text/yaml', 'application/json', 'text/plain')),
        file_name varchar(255) NOT NULL DEFAULT '',
        selector jsonb NOT NULL DEFAULT '{}',
        priority integer NOT NULL DEFAULT 0,
        auto_push boolean NOT NULL DEFAULT true,
        version integer NOT NULL CHECK (version >= 1),
        config_hash char(64) NOT NULL,
        created_by varchar(64),
        updated_by varchar(64),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        deleted_by varchar(64)
      )`);
    // Deleted configurations keep their row (and history); only live names must be unique.
    await q.query(
      `CREATE UNIQUE INDEX configurations_name_key ON configurations (lower(name)) WHERE deleted_at IS NULL`,
    );
    await q.query(`CREATE INDEX configurations_name_idx ON configurations (lower(name), created_at DESC)`);
    await q.query(`
      CREATE TABLE configuration_history (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        configuration_id uuid NOT NULL REFERENCES configurations (id),
        version integer NOT NULL,
        raw_config text NOT NULL,
        content_type varchar(64) NOT NULL,
        file_name varchar(255) NOT NULL,
        selector jsonb NOT NULL,
        config_hash char(64) NOT NULL,
        change_kind varchar(16) NOT NULL CHECK (change_kind IN ('create', 'update', 'rollback')),
        rolled_back_from integer,
        created_by varchar(64),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT configuration_history_version_key UNIQUE (configuration_id, version)
      )`);
    await q.query(`
      CREATE TABLE configuration_apply_history (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        configuration_id uuid NOT NULL REFERENCES configurations (id),
        version integer NOT NULL,
        config_hash char(64) NOT NULL,
        instance_uid uuid NOT NULL,
        push_id uuid,
        status varchar(16) NOT NULL
          CHECK (status IN ('pending', 'applying', 'applied', 'failed', 'timeout', 'rolled_back')),
        error_message text,
        offered_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX configuration_apply_history_config_idx ON configuration_apply_history (configuration_id, offered_at DESC)`,
    );
    await q.query(
      `CREATE INDEX configuration_apply_history_agent_idx ON configuration_apply_history (instance_uid, offered_at DESC)`,
    );
    await q.query(`CREATE INDEX configuration_apply_history_push_idx ON configuration_apply_history (push_id)`);
    // The timeout sweep only ever looks at open rows.
    await q.query(
      `CREATE INDEX configuration_apply_history_open_idx ON configuration_apply_history (offered_at)
         WHERE status IN ('pending', 'applying')`,
    );
    await q.query(`
      ALTER TABLE agents
        ADD COLUMN assigned_configuration_id uuid REFERENCES configurations (id),
        ADD COLUMN assigned_config_version integer,
        ADD COLUMN desired_config_hash varchar(64)`);
    await q.query(`CREATE INDEX agents_assigned_configuration_idx ON agents (assigned_configuration_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX agents_assigned_configuration_idx`);
    await q.query(`
      ALTER TABLE agents
        DROP COLUMN desired_config_hash,
        DROP COLUMN assigned_config_version,
        DROP COLUMN assigned_configuration_id`);
    await q.query(`DROP TABLE configuration_apply_history`);
    await q.query(`DROP TABLE configuration_history`);
    await q.query(`DROP TABLE configurations`);
  }
}
