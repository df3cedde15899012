import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The agent inventory the OpAMP server maintains, and the server instances holding connections. */
export class Agents1763800100000 implements MigrationInterface {
  name = 'Agents1763800100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE server_instances (
        id varchar(128) PRIMARY KEY,
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now(),
        http_url text,
        opamp_url text
      )`);
    await q.query(`
      CREATE TABLE agents (
        instance_uid uuid PRIMARY KEY,
        identifying_attributes jsonb NOT NULL DEFAULT '{}',
        non_identifying_attributes jsonb NOT NULL DEFAULT '{}',
        labels jsonb NOT NULL DEFAULT '{}',
        agent_name text,
        agent_version text,
        host_name text,
        capabilities bigint NOT NULL DEFAULT 0,
        status varchar(16) NOT NULL DEFAULT 'offline' CHECK (status IN ('online', 'offline')),
        transport varchar(16) CHECK (transport IN ('websocket', 'http')),
        instance_id varchar(128),
        sequence_num bigint NOT NULL DEFAULT 0,
        health jsonb,
        healthy boolean,
        effective_config jsonb,
        effective_config_hash varchar(64),
        remote_config_status varchar(16),
        remote_config_hash varchar(64),
        remote_config_error text,
        package_statuses jsonb,
        available_components jsonb,
        custom_capabilities jsonb,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        connected_at timestamptz,
        disconnected_at timestamptz,
        last_seen_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX agents_status_idx ON agents (status, last_seen_at)`);
    await q.query(`CREATE INDEX agents_instance_idx ON agents (instance_id) WHERE status = 'online'`);
    await q.query(`CREATE INDEX agents_labels_idx ON agents USING gin (labels jsonb_path_ops)`);
    await q.query(`CREATE INDEX agents_identifying_idx ON agents USING gin (identifying_attributes jsonb_path_ops)`);
    await q.query(
      `CREATE INDEX agents_non_identifying_idx ON agents USING gin (non_identifying_attributes jsonb_path_ops)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE agents`);
    await q.query(`DROP TABLE server_instances`);
  }
}
