import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks and their deliveries. A delivery is a row until it is delivered or given up on, so it
 * survives restarts; instances claim due rows with FOR UPDATE SKIP LOCKED and a lease
 * (`locked_until`), so one instance sends each attempt and a crashed sender's rows come back.
 * `fleet_alerts` makes a fleet-wide threshold event fire once per window across the cluster.
 */
export class Webhooks1764300100000 implements MigrationInterface {
  name = 'Webhooks1764300100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhooks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        url varchar(2048) NOT NULL,
        events text[] NOT NULL,
        selector jsonb,
        secret_encrypted text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY,
        webhook_id uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
        event_type varchar(128) NOT NULL,
        body text NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz,
        last_status_code integer,
        last_error varchar(1024),
        last_latency_ms integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`,
    );
    await q.query(`CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE fleet_alerts (
        key varchar(64) PRIMARY KEY,
        fired_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE fleet_alerts`);
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhooks`);
  }
}
