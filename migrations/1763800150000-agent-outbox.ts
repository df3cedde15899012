import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Messages waiting for an agent that this instance cannot hand over directly: an HTTP agent's
 * next poll (on whichever instance it lands) or a WebSocket agent held by another instance.
 * Delivery deletes the row, so each message goes out exactly once.
 */
export class AgentOutbox1763800150000 implements MigrationInterface {
  name = 'AgentOutbox1763800150000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agent_outbox (
        id bigserial PRIMARY KEY,
        instance_uid uuid NOT NULL,
        payload bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX agent_outbox_agent_idx ON agent_outbox (instance_uid, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE agent_outbox`);
  }
}
