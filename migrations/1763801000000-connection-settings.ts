import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operator-defined connection settings (own-telemetry destinations by label selector), and per
 * agent the connection settings last offered and what the agent reported about them, so an offer
 * is made once per change and not on every connection: opamp-go agents reconnect on every
 * `opamp` offer to verify it. Header values in the rules are stored encrypted.
 *
 * Queued replies used to carry the agent's own Authorization header in a connection-settings
 * offer; the outbox only holds messages for a few minutes, so it is emptied here rather than
 * left with enrollment keys in it.
 */
export class ConnectionSettings1763801000000 implements MigrationInterface {
  name = 'ConnectionSettings1763801000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE connection_settings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        selector jsonb NOT NULL,
        priority integer NOT NULL DEFAULT 0,
        own_metrics jsonb,
        own_traces jsonb,
        own_logs jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      ALTER TABLE agents
        ADD COLUMN connection_settings_hash bytea,
        ADD COLUMN connection_settings_parts jsonb,
        ADD COLUMN connection_settings_status text,
        ADD COLUMN connection_settings_error text`);
    await q.query(`DELETE FROM agent_outbox`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE agents
        DROP COLUMN connection_settings_hash,
        DROP COLUMN connection_settings_parts,
        DROP COLUMN connection_settings_status,
        DROP COLUMN connection_settings_error`);
    await q.query(`DROP TABLE connection_settings`);
  }
}
