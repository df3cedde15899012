import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drift of each agent's effective config from its desired configuration (computed on change,
 * never on heartbeats), and the latest custom messages exchanged with each agent.
 */
export class AgentReports1763804000000 implements MigrationInterface {
  name = 'AgentReports1763804000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE agents
        ADD COLUMN drift_status varchar(16) NOT NULL DEFAULT 'unknown'
          CHECK (drift_status IN ('in_sync', 'drifted', 'unknown', 'pending')),
        ADD COLUMN drift_paths jsonb,
        ADD COLUMN drift_checked_at timestamptz`);
    await q.query(`
      CREATE TABLE agent_custom_messages (
        id bigserial PRIMARY KEY,
        instance_uid uuid NOT NULL REFERENCES agents (instance_uid) ON DELETE CASCADE,
        direction varchar(8) NOT NULL CHECK (direction IN ('received', 'sent')),
        capability varchar(255) NOT NULL,
        type varchar(255) NOT NULL,
        data bytea NOT NULL,
        size integer NOT NULL,
        truncated boolean NOT NULL DEFAULT false,
        sent_by varchar(64),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX agent_custom_messages_agent_idx ON agent_custom_messages (instance_uid, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE agent_custom_messages`);
    await q.query(`ALTER TABLE agents DROP COLUMN drift_checked_at, DROP COLUMN drift_paths, DROP COLUMN drift_status`);
  }
}
