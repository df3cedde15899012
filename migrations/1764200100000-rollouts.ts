import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Progressive rollouts. A rollout row is its whole state machine (stage, phase, lease): the
 * instance holding the lease advances it, and another takes the lease over when it expires. Each
 * targeted agent has a row with its stage and what became of its offer, so a restarted engine
 * knows who was already offered and never offers them again for that stage.
 */
export class Rollouts1764200100000 implements MigrationInterface {
  name = 'Rollouts1764200100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rollouts (
        id uuid PRIMARY KEY,
        configuration_id uuid NOT NULL REFERENCES configurations (id),
        from_version integer NOT NULL,
        to_version integer NOT NULL,
        to_config_hash char(64) NOT NULL,
        status varchar(16) NOT NULL
          CHECK (status IN ('running', 'paused', 'completed', 'cancelled', 'rolled_back')),
        plan jsonb NOT NULL,
        gates jsonb NOT NULL,
        bake_seconds integer NOT NULL,
        apply_timeout_seconds integer NOT NULL,
        auto_rollback boolean NOT NULL,
        stage_count integer NOT NULL,
        current_stage integer NOT NULL,
        phase varchar(16) NOT NULL CHECK (phase IN ('offer', 'wait', 'bake', 'next')),
        phase_started_at timestamptz NOT NULL,
        gate_results jsonb NOT NULL DEFAULT '[]'::jsonb,
        tripped_gate varchar(32),
        tripped_agents jsonb,
        reason text,
        lease_owner varchar(255),
        lease_expires_at timestamptz,
        created_by varchar(255),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`
      CREATE UNIQUE INDEX rollouts_one_active_idx ON rollouts (configuration_id)
        WHERE status IN ('running', 'paused')`);
    await q.query(`CREATE INDEX rollouts_created_idx ON rollouts (created_at DESC)`);
    await q.query(`
      CREATE TABLE rollout_agents (
        rollout_id uuid NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
        instance_uid uuid NOT NULL,
        stage integer NOT NULL,
        position integer NOT NULL,
        previous_version integer,
        state varchar(16) NOT NULL
          CHECK (state IN ('waiting', 'skipped', 'offered', 'applied', 'failed', 'timeout', 'rolled_back')),
        offers integer NOT NULL DEFAULT 0,
        offered_at timestamptz,
        finished_at timestamptz,
        PRIMARY KEY (rollout_id, instance_uid)
      )`);
    await q.query(`CREATE INDEX rollout_agents_stage_idx ON rollout_agents (rollout_id, stage, state)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rollout_agents`);
    await q.query(`DROP TABLE rollouts`);
  }
}
