import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RolloutGates, RolloutPlan } from '../configurations/rollout-policy.js';
import type { GateInputs, GateName } from './rollout-gates.js';
import type { PlanAgent, StagedAgent } from './rollout-plan.js';
import {
  type ConfigurationRollout,
  type Rollout,
  type RolloutAgentState,
  type RolloutPhase,
  type RolloutState,
  type RolloutStatus,
  type StageGateResults,
} from './rollout.types.js';

/** A new rollout, its agents already staged. */
export interface NewRollout {
  id: string;
  configurationId: string;
  fromVersion: number;
  toVersion: number;
  toConfigHash: string;
  plan: RolloutPlan;
  gates: RolloutGates;
  bakeSeconds: number;
  applyTimeoutSeconds: number;
  autoRollback: boolean;
  stageCount: number;
  createdBy: string | null;
  /** The creating instance holds the lease from the start, so it offers the first stage at once. */
  leaseOwner: string;
  leaseSeconds: number;
  agents: Array<StagedAgent & { previousVersion: number | null }>;
}

/** Fields a step of the engine (or an operator) changes. */
export interface RolloutChange {
  status?: RolloutStatus;
  currentStage?: number;
  phase?: RolloutPhase;
  gateResults?: StageGateResults[];
  trippedGate?: GateName | null;
  trippedAgents?: string[] | null;
  reason?: string | null;
  finished?: boolean;
}

export const ROLLOUT_SELECT = `
  SELECT r.*, c.name AS configuration_name FROM rollouts r LEFT JOIN configurations c ON c.id = r.configuration_id`;

type Raw = Record<string, unknown>;

/** The rows of an UPDATE ... RETURNING (TypeORM answers it as [rows, count]). */
function returned<T>(result: unknown): T[] {
  return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as T[];
}

/** A stored rollout; the CHECK on the table makes the subject columns either all configuration or all package. */
export function toRollout(r: Raw): Rollout {
  const state = toRolloutState(r);
  if (r.package_name !== null && r.package_name !== undefined) {
    return {
      ...state,
      configurationId: null,
      configurationName: null,
      fromVersion: null,
      toVersion: null,
      toConfigHash: null,
      package: {
        assignmentId: r.package_assignment_id as number | null,
        packageId: r.package_id as number | null,
        name: r.package_name as string,
        version: r.package_version as string,
      },
    };
  }
  return {
    ...state,
    configurationId: r.configuration_id as string,
    configurationName: r.configuration_name as string,
    fromVersion: r.from_version as number,
    toVersion: r.to_version as number,
    toConfigHash: r.to_config_hash as string,
    package: null,
  };
}

function toRolloutState(r: Raw): RolloutState {
  return {
    id: r.id as string,
    status: r.status as RolloutStatus,
    plan: r.plan as RolloutPlan,
    gates: r.gates as RolloutGates,
    bakeSeconds: r.bake_seconds as number,
    applyTimeoutSeconds: r.apply_timeout_seconds as number,
    autoRollback: r.auto_rollback as boolean,
    stageCount: r.stage_count as number,
    currentStage: r.current_stage as number,
    phase: r.phase as RolloutPhase,
    phaseStartedAt: r.phase_started_at as Date,
    gateResults: r.gate_results as StageGateResults[],
    trippedGate: r.tripped_gate as GateName | null,
    trippedAgents: r.tripped_agents as string[] | null,
    reason: r.reason as string | null,
    leaseOwner: r.lease_owner as string | null,
    createdBy: r.created_by as string | null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    finishedAt: r.finished_at as Date | null,
  };
}

/** Change of column values for an UPDATE, numbered from `first`. */
function assignments(change: RolloutChange, first: number): [string[], unknown[]] {
  const sets: string[] = [];
  const values: unknown[] = [];
  const set = (column: string, value: unknown, cast = '') => {
    values.push(value);
    sets.push(`${column} = $${first + values.length - 1}${cast}`);
  };
  const optional: Array<[keyof RolloutChange, string, (v: never) => unknown, string?]> = [
    ['status', 'status', (v) => v],
    ['currentStage', 'current_stage', (v) => v],
    ['gateResults', 'gate_results', (v) => JSON.stringify(v), '::jsonb'],
    ['trippedGate', 'tripped_gate', (v) => v],
    ['trippedAgents', 'tripped_agents', (v) => (v === null ? null : JSON.stringify(v)), '::jsonb'],
    ['reason', 'reason', (v) => v],
  ];
  for (const [key, column, encode, cast] of optional) {
    if (change[key] !== undefined) {
      set(column, encode(change[key] as never), cast);
    }
  }
  if (change.phase !== undefined) {
    set('phase', change.phase);
    sets.push('phase_started_at = now()');
  }
  if (change.finished) {
    sets.push('finished_at = now()', 'lease_owner = NULL', 'lease_expires_at = NULL');
  }
  sets.push('updated_at = now()');
  return [sets, values];
}

/** Rollouts and their agents in PostgreSQL; every engine write is fenced by the lease. */
@Injectable()
export class RolloutsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Agents assigned the configuration now, with their label set and assigned version. */
  async findTargets(configurationId: string): Promise<Array<PlanAgent & { version: number | null }>> {
    const rows: Array<{ instance_uid: string; labels: Record<string, string>; version: number | null }> =
      await this.dataSource.query(
        `SELECT instance_uid, (identifying_attributes || non_identifying_attributes || labels) AS labels,
                assigned_config_version AS version
         FROM agents WHERE assigned_configuration_id = $1`,
        [configurationId],
      );
    return rows.map((r) => ({ instanceUid: r.instance_uid, labels: r.labels, version: r.version }));
  }

  /** Inserts the rollout and its agents together; false when the configuration has an active rollout. */
  async insert(rollout: NewRollout): Promise<boolean> {
    try {
      await this.dataSource.transaction(async (manager) => {
        await manager.query(
          `INSERT INTO rollouts (id, configuration_id, from_version, to_version, to_config_hash, status, plan, gates,
             bake_seconds, apply_timeout_seconds, auto_rollback, stage_count, current_stage, phase, phase_started_at,
             created_by, lease_owner, lease_expires_at)
           VALUES ($1, $2, $3, $4, $5, 'running', $6, $7, $8, $9, $10, $11, 0, 'offer', now(), $12, $13,
             now() + make_interval(secs => $14))`,
          [
            rollout.id,
            rollout.configurationId,
            rollout.fromVersion,
            rollout.toVersion,
            rollout.toConfigHash,
            JSON.stringify(rollout.plan),
            JSON.stringify(rollout.gates),
            rollout.bakeSeconds,
            rollout.applyTimeoutSeconds,
            rollout.autoRollback,
            rollout.stageCount,
            rollout.createdBy,
            rollout.leaseOwner,
            rollout.leaseSeconds,
          ],
        );
        const a = rollout.agents;
        await manager.query(
          `INSERT INTO rollout_agents (rollout_id, instance_uid, stage, position, previous_version, state)
           SELECT $1, uid, stage, position, previous, 'waiting'
           FROM unnest($2::uuid[], $3::int[], $4::int[], $5::int[]) AS t (uid, stage, position, previous)`,
          [
            rollout.id,
            a.map((x) => x.instanceUid),
            a.map((x) => x.stage),
            a.map((x) => x.position),
            a.map((x) => x.previousVersion),
          ],
        );
      });
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        return false;
      }
      throw error;
    }
  }

  async findById(id: string): Promise<Rollout | null> {
    const rows: Raw[] = await this.dataSource.query(`${ROLLOUT_SELECT} WHERE r.id = $1`, [id]);
    return rows[0] ? toRollout(rows[0]) : null;
  }

  async findActive(configurationId: string): Promise<ConfigurationRollout | null> {
    const rows: Raw[] = await this.dataSource.query(
      `${ROLLOUT_SELECT} WHERE r.configuration_id = $1 AND r.status IN ('running', 'paused')`,
      [configurationId],
    );
    return rows[0] ? (toRollout(rows[0]) as ConfigurationRollout) : null;
  }

  /** Takes or renews the lease of every running rollout this instance may advance; returns their ids. */
  async acquireLeases(owner: string, leaseSeconds: number): Promise<string[]> {
    const rows = returned<{ id: string }>(
      await this.dataSource.query(
        `UPDATE rollouts SET lease_owner = $1, lease_expires_at = now() + make_interval(secs => $2)
       WHERE status = 'running' AND (lease_owner IS NULL OR lease_owner = $1 OR lease_expires_at < now())
       RETURNING id`,
        [owner, leaseSeconds],
      ),
    );
    return rows.map((r) => r.id);
  }

  /** A step's write, applied only while `owner` still holds an unexpired lease on a running rollout. */
  async updateHeld(id: string, owner: string, change: RolloutChange): Promise<boolean> {
    const [sets, values] = assignments(change, 3);
    const rows = returned<{ id: string }>(
      await this.dataSource.query(
        `UPDATE rollouts SET ${sets.join(', ')}
         WHERE id = $1 AND lease_owner = $2 AND lease_expires_at > now() AND status = 'running' RETURNING id`,
        [id, owner, ...values],
      ),
    );
    return rows.length > 0;
  }

  /** An operator's change, applied only when the rollout is in one of `from`. */
  async updateIf(id: string, from: RolloutStatus[], change: RolloutChange): Promise<Rollout | null> {
    const [sets, values] = assignments(change, 3);
    const rows = returned<{ id: string }>(
      await this.dataSource.query(
        `UPDATE rollouts SET ${sets.join(', ')} WHERE id = $1 AND status = ANY($2::text[]) RETURNING id`,
        [id, from, ...values],
      ),
    );
    return rows.length > 0 ? this.findById(id) : null;
  }

  async agentsInState(id: string, states: RolloutAgentState[], stage?: number): Promise<string[]> {
    const rows: Array<{ instance_uid: string }> = await this.dataSource.query(
      `SELECT instance_uid FROM rollout_agents
       WHERE rollout_id = $1 AND state = ANY($2::text[]) AND ($3::int IS NULL OR stage = $3)
       ORDER BY position`,
      [id, states, stage ?? null],
    );
    return rows.map((r) => r.instance_uid);
  }

  /**
   * Marks the stage's waiting agents offered (or skipped when they are offline: they get the
   * released version when they come back, and the target when the rollout completes). Returns
   * the agents to offer.
   */
  async startStage(id: string, stage: number): Promise<string[]> {
    await this.dataSource.query(
      `UPDATE rollout_agents ra SET state = 'skipped', finished_at = now()
       FROM agents a
       WHERE ra.rollout_id = $1 AND ra.stage = $2 AND ra.state = 'waiting' AND a.instance_uid = ra.instance_uid
         AND a.status <> 'online'`,
      [id, stage],
    );
    const rows = returned<{ instance_uid: string }>(
      await this.dataSource.query(
        `UPDATE rollout_agents SET state = 'offered', offers = offers + 1, offered_at = now()
         WHERE rollout_id = $1 AND stage = $2 AND state = 'waiting' RETURNING instance_uid`,
        [id, stage],
      ),
    );
    return rows.map((r) => r.instance_uid);
  }

  /**
   * Moves the offered agents of the stage (and of earlier stages: agents that joined mid-rollout)
   * by what they reported (stored on the agents row); returns how many of the stage are still open.
   */
  async settleStage(id: string, stage: number, configHash: string, timeoutSeconds: number): Promise<number> {
    await this.dataSource.query(
      `UPDATE rollout_agents ra
       SET state = CASE
             WHEN a.remote_config_hash = $3 AND a.remote_config_status = 'APPLIED' THEN 'applied'
             WHEN a.remote_config_hash = $3 AND a.remote_config_status = 'FAILED' THEN 'failed'
             ELSE 'timeout' END,
           finished_at = now()
       FROM agents a
       WHERE ra.rollout_id = $1 AND ra.stage <= $2 AND ra.state = 'offered' AND a.instance_uid = ra.instance_uid
         AND ((a.remote_config_hash = $3 AND a.remote_config_status IN ('APPLIED', 'FAILED'))
           OR ra.offered_at < now() - make_interval(secs => $4))`,
      [id, stage, configHash, timeoutSeconds],
    );
    // An agent deleted meanwhile has no row to join: it times out like a silent one.
    await this.dataSource.query(
      `UPDATE rollout_agents ra SET state = 'timeout', finished_at = now()
       WHERE ra.rollout_id = $1 AND ra.stage <= $2 AND ra.state = 'offered'
         AND ra.offered_at < now() - make_interval(secs => $3)
         AND NOT EXISTS (SELECT 1 FROM agents a WHERE a.instance_uid = ra.instance_uid)`,
      [id, stage, timeoutSeconds],
    );
    const open: Array<{ count: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS count FROM rollout_agents WHERE rollout_id = $1 AND stage = $2 AND state = 'offered'`,
      [id, stage],
    );
    return open[0].count;
  }

  /** What the gates read, over the stages up to `stage` (agents updated earlier can still turn bad). */
  async gateInputs(rollout: ConfigurationRollout): Promise<GateInputs & { offenders: Record<GateName, string[]> }> {
    const rows: Array<{ gate: GateName | 'offered'; count: number; uids: string[] }> = await this.dataSource.query(
      `WITH s AS (
         SELECT ra.instance_uid, ra.state, a.healthy, a.status, a.last_seen_at, a.remote_config_hash
         FROM rollout_agents ra LEFT JOIN agents a ON a.instance_uid = ra.instance_uid
         WHERE ra.rollout_id = $1 AND ra.stage <= $2
       ), flagged AS (
         SELECT instance_uid, CASE
             WHEN state IN ('failed', 'timeout') THEN 'failed'
             WHEN state = 'applied' AND remote_config_hash = $3 AND healthy = false AND status = 'online' THEN 'unhealthy'
             WHEN state = 'applied' AND status IS DISTINCT FROM 'online'
               AND last_seen_at < now() - make_interval(secs => $4) THEN 'disconnected'
           END AS gate
         FROM s
       )
       SELECT gate, count(*)::int AS count, (array_agg(instance_uid ORDER BY instance_uid))[1:100]::text[] AS uids
       FROM flagged WHERE gate IS NOT NULL GROUP BY gate
       UNION ALL
       SELECT 'offered', count(*)::int, '{}' FROM s WHERE state NOT IN ('waiting', 'skipped')`,
      [rollout.id, rollout.currentStage, rollout.toConfigHash, rollout.bakeSeconds],
    );
    const count = (gate: string) => rows.find((r) => r.gate === gate)?.count ?? 0;
    const uids = (gate: GateName) => rows.find((r) => r.gate === gate)?.uids ?? [];
    return {
      offered: count('offered'),
      failed: count('failed'),
      unhealthy: count('unhealthy'),
      disconnected: count('disconnected'),
      offenders: { failed: uids('failed'), unhealthy: uids('unhealthy'), disconnected: uids('disconnected') },
    };
  }

  /** Marks the rolled-back agents; returns them. */
  async markRolledBack(id: string): Promise<string[]> {
    const rows = returned<{ instance_uid: string }>(
      await this.dataSource.query(
        `UPDATE rollout_agents SET state = 'rolled_back', finished_at = now()
         WHERE rollout_id = $1 AND state IN ('offered', 'applied', 'failed', 'timeout') RETURNING instance_uid`,
        [id],
      ),
    );
    return rows.map((r) => r.instance_uid);
  }
}
