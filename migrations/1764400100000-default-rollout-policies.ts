import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Default rollout policies by label: a configuration without a rollout policy of its own rolls a
 * new version out with the highest-priority default whose selector matches one of its agents.
 * `inherit_rollout_policy` false opts a configuration out (its new versions go out at once).
 * Existing configurations inherit: with no default policy stored, nothing changes for them.
 */
export class DefaultRolloutPolicies1764400100000 implements MigrationInterface {
  name = 'DefaultRolloutPolicies1764400100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE default_rollout_policies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(128) NOT NULL,
        description text NOT NULL DEFAULT '',
        selector jsonb NOT NULL CHECK (jsonb_typeof(selector) = 'object' AND selector <> '{}'::jsonb),
        policy jsonb NOT NULL,
        priority integer NOT NULL DEFAULT 0,
        created_by varchar(64),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX default_rollout_policies_name_idx ON default_rollout_policies (lower(name))`);
    await q.query(`ALTER TABLE configurations ADD COLUMN inherit_rollout_policy boolean NOT NULL DEFAULT true`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE configurations DROP COLUMN inherit_rollout_policy`);
    await q.query(`DROP TABLE default_rollout_policies`);
  }
}
