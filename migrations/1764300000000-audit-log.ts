import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who changed what through the API. Rows are append-only: a trigger refuses UPDATE, so not even a
 * bug in the server can rewrite history; only the retention sweep deletes (old rows, by age).
 */
export class AuditLog1764300000000 implements MigrationInterface {
  name = 'AuditLog1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor_type varchar(16) NOT NULL CHECK (actor_type IN ('user', 'agent_key', 'anonymous')),
        actor_id varchar(64),
        actor_name varchar(255),
        action varchar(128) NOT NULL,
        resource varchar(64) NOT NULL,
        resource_id varchar(255),
        method varchar(8) NOT NULL,
        path varchar(2048) NOT NULL,
        status_code integer NOT NULL,
        outcome varchar(16) NOT NULL CHECK (outcome IN ('success', 'failure')),
        client_ip varchar(64),
        request_id varchar(128),
        before jsonb,
        after jsonb,
        request jsonb
      )`);
    await q.query(`CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_log_resource_idx ON audit_log (resource, resource_id, at DESC)`);
    await q.query(`CREATE INDEX audit_log_actor_idx ON audit_log (actor_name, at DESC)`);
    await q.query(`
      CREATE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log rows cannot be changed';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_immutable()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_log`);
    await q.query(`DROP FUNCTION audit_log_immutable()`);
  }
}
