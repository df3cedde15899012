import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RolloutGates, RolloutPlan } from '../configurations/rollout-policy.js';
import { AgentCapabilities } from '../opamp/proto/opamp.types.js';
import type { HeldReach } from '../packages/held-assignments.js';
import type { GateInputs, GateName } from './rollout-gates.js';
import type { PlanAgent, StagedAgent } from './rollout-plan.js';
import type { PackageRollout } from './rollout.types.js';

/** A new package rollout, its agents already staged with what they had before. */
export interface NewPackageRollout {
  id: string;
  assignmentId: number;
  packageId: number;
  packageName: string;
  packageVersion: string;
  plan: RolloutPlan;
  gates: RolloutGates;
  bakeSeconds: number;
  applyTimeoutSeconds: number;
  autoRollback: boolean;
  stageCount: number;
  createdBy: string | null;
  leaseOwner: string;
  leaseSeconds: number;
  agents: Array<StagedAgent & { previousVersion: string | null; previousPackageId: number | null }>;
}

/** What an assignment targets: a selector over labels and attributes, or a list of agents. */
export interface AssignmentScope {
  selector: Record<string, string> | null;
  agentIds: string[] | null;
}

/** The package the rollout gives, to find the stored build of an agent's previous version. */
export interface TargetPackage {
  name: string;
  platform: string;
  arch: string;
}

/**
 * SQL: the agent `ra.instance_uid` reports the package installed at the version (the
 * placeholders name the parameters holding the package's name and version).
 */
export const RUNS_PACKAGE = (name: string, version: string) => `EXISTS (
  SELECT 1 FROM agent_package_statuses s WHERE s.instance_uid = ra.instance_uid
    AND lower(s.package_name) = lower(${name}) AND s.agent_has_version = ${version} AND s.status = 'installed')`;

/** Package rollouts' own SQL: targets, settling a stage from package statuses, gates, reach of held assignments. */
@Injectable()
export class PackageRolloutsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Agents the assignment names that accept packages (capabilities is a numeric uint64: the bit
   * is tested arithmetically), with their label set and the version of
   * the package they reported (and the stored build of it for the same platform, if any).
   */
  async findTargets(
    scope: AssignmentScope,
    pkg: TargetPackage,
  ): Promise<Array<PlanAgent & { previousVersion: string | null; previousPackageId: number | null }>> {
    const rows: Array<{
      instance_uid: string;
      labels: Record<string, string>;
      previous_version: string | null;
      previous_package_id: number | null;
    }> = await this.dataSource.query(
      `SELECT a.instance_uid, (a.identifying_attributes || a.non_identifying_attributes || a.labels) AS labels,
              s.agent_has_version AS previous_version,
              (SELECT p.id FROM packages p
                WHERE lower(p.name) = lower($3) AND p.version = s.agent_has_version AND p.is_active
                ORDER BY (p.platform = $4 AND p.arch = $5) DESC, p.id LIMIT 1) AS previous_package_id
       FROM agents a
       LEFT JOIN agent_package_statuses s ON s.instance_uid = a.instance_uid AND lower(s.package_name) = lower($3)
       WHERE mod(trunc(a.capabilities / $6::numeric), 2) = 1
         AND (($1::jsonb IS NOT NULL AND (a.identifying_attributes || a.non_identifying_attributes || a.labels) @> $1::jsonb)
           OR a.instance_uid = ANY($2::uuid[]))`,
      [
        scope.selector ? JSON.stringify(scope.selector) : null,
        scope.agentIds ?? [],
        pkg.name,
        pkg.platform,
        pkg.arch,
        AgentCapabilities.AcceptsPackages,
      ],
    );
    return rows.map((r) => ({
      instanceUid: r.instance_uid,
      labels: r.labels,
      previousVersion: r.previous_version,
      previousPackageId: r.previous_package_id,
    }));
  }

  /** Inserts the rollout and its agents together; false when the assignment has an active rollout. */
  async insert(rollout: NewPackageRollout): Promise<boolean> {
    try {
      await this.dataSource.transaction(async (manager) => {
        await manager.query(
          `INSERT INTO rollouts (id, package_assignment_id, package_id, package_name, package_version, status, plan,
             gates, bake_seconds, apply_timeout_seconds, auto_rollback, stage_count, current_stage, phase,
             phase_started_at, created_by, lease_owner, lease_expires_at)
           VALUES ($1, $2, $3, $4, $5, 'running', $6, $7, $8, $9, $10, $11, 0, 'offer', now(), $12, $13,
             now() + make_interval(secs => $14))`,
          [
            rollout.id,
            rollout.assignmentId,
            rollout.packageId,
            rollout.packageName,
            rollout.packageVersion,
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
          `INSERT INTO rollout_agents (rollout_id, instance_uid, stage, position, previous_package_version,
             previous_package_id, state)
           SELECT $1, uid, stage, position, previous, previous_id, 'waiting'
           FROM unnest($2::uuid[], $3::int[], $4::int[], $5::varchar[], $6::int[])
             AS t (uid, stage, position, previous, previous_id)`,
          [
            rollout.id,
            a.map((x) => x.instanceUid),
            a.map((x) => x.stage),
            a.map((x) => x.position),
            a.map((x) => x.previousVersion),
            a.map((x) => x.previousPackageId),
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

  async findActiveId(assignmentId: number): Promise<string | null> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM rollouts WHERE package_assignment_id = $1 AND status IN ('running', 'paused')`,
      [assignmentId],
    );
    return rows[0]?.id ?? null;
  }

  /**
   * Moves the stage's offered agents by the package status they reported: installed at the
   * version → applied; install failed while offered the version → failed; else timeout once
   * the apply timeout passed. Returns how many are still open.
   */
  async settleStage(r: PackageRollout, timeoutSeconds: number): Promise<number> {
    await this.dataSource.query(
      `UPDATE rollout_agents ra SET state = x.next, finished_at = now()
       FROM (
         SELECT o.instance_uid, CASE
             WHEN s.status = 'installed' AND s.agent_has_version = $4 THEN 'applied'
             WHEN s.status = 'install_failed' AND s.server_offered_version = $4 THEN 'failed'
             WHEN o.offered_at < now() - make_interval(secs => $5) THEN 'timeout'
           END AS next
         FROM rollout_agents o
         LEFT JOIN agent_package_statuses s ON s.instance_uid = o.instance_uid AND lower(s.package_name) = lower($3)
         WHERE o.rollout_id = $1 AND o.stage = $2 AND o.state = 'offered'
       ) x
       WHERE ra.rollout_id = $1 AND ra.instance_uid = x.instance_uid AND x.next IS NOT NULL`,
      [r.id, r.currentStage, r.package.name, r.package.version, timeoutSeconds],
    );
    const open: Array<{ count: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS count FROM rollout_agents WHERE rollout_id = $1 AND stage = $2 AND state = 'offered'`,
      [r.id, r.currentStage],
    );
    return open[0].count;
  }

  /** What the gates read over the stages so far; "unhealthy" counts agents running the version. */
  async gateInputs(r: PackageRollout): Promise<GateInputs & { offenders: Record<GateName, string[]> }> {
    const rows: Array<{ gate: GateName | 'offered'; count: number; uids: string[] }> = await this.dataSource.query(
      `WITH s AS (
         SELECT ra.instance_uid, ra.state, a.healthy, a.status, a.last_seen_at, ${RUNS_PACKAGE('$3', '$4')} AS runs_target
         FROM rollout_agents ra LEFT JOIN agents a ON a.instance_uid = ra.instance_uid
         WHERE ra.rollout_id = $1 AND ra.stage <= $2
       ), flagged AS (
         SELECT instance_uid, CASE
             WHEN state IN ('failed', 'timeout') THEN 'failed'
             WHEN state = 'applied' AND runs_target AND healthy = false AND status = 'online' THEN 'unhealthy'
             WHEN state = 'applied' AND status IS DISTINCT FROM 'online'
               AND last_seen_at < now() - make_interval(secs => $5) THEN 'disconnected'
           END AS gate
         FROM s
       )
       SELECT gate, count(*)::int AS count, (array_agg(instance_uid ORDER BY instance_uid))[1:100]::text[] AS uids
       FROM flagged WHERE gate IS NOT NULL GROUP BY gate
       UNION ALL
       SELECT 'offered', count(*)::int, '{}' FROM s WHERE state NOT IN ('waiting', 'skipped')`,
      [r.id, r.currentStage, r.package.name, r.package.version, r.bakeSeconds],
    );
    const count = (gate: string) => rows.find((x) => x.gate === gate)?.count ?? 0;
    const uids = (gate: GateName) => rows.find((x) => x.gate === gate)?.uids ?? [];
    return {
      offered: count('offered'),
      failed: count('failed'),
      unhealthy: count('unhealthy'),
      disconnected: count('disconnected'),
      offenders: { failed: uids('failed'), unhealthy: uids('unhealthy'), disconnected: uids('disconnected') },
    };
  }

  /** How many of the rollout's rolled-back agents had no stored previous version to go back to. */
  async rolledBackWithoutPrevious(id: string): Promise<number> {
    const rows: Array<{ count: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS count FROM rollout_agents
       WHERE rollout_id = $1 AND state = 'rolled_back' AND previous_package_id IS NULL`,
      [id],
    );
    return rows[0].count;
  }

  /**
   * Which agents each held assignment reaches now: those its rollouts offered it to (in any
   * rollout of it, so a second rollout after a cancel does not take it away from them), except
   * those whose latest rollout rolled them back; those get their previous build, when stored.
   */
  async reachOf(assignmentIds: number[]): Promise<Map<number, HeldReach>> {
    const reach = new Map<number, HeldReach>(
      assignmentIds.map((id) => [id, { agents: new Set<string>(), reverted: new Map<string, number>() }]),
    );
    if (assignmentIds.length === 0) {
      return reach;
    }
    const rows: Array<{ assignment_id: number; instance_uid: string; state: string; previous_id: number | null }> =
      await this.dataSource.query(
        `SELECT DISTINCT ON (r.package_assignment_id, ra.instance_uid)
                r.package_assignment_id AS assignment_id, ra.instance_uid, ra.state, ra.previous_package_id AS previous_id
         FROM rollout_agents ra JOIN rollouts r ON r.id = ra.rollout_id
         WHERE r.package_assignment_id = ANY($1::int[])
           AND ra.state IN ('offered', 'applied', 'failed', 'timeout', 'rolled_back')
         ORDER BY r.package_assignment_id, ra.instance_uid, r.created_at DESC`,
        [assignmentIds],
      );
    for (const row of rows) {
      const entry = reach.get(row.assignment_id)!;
      if (row.state !== 'rolled_back') {
        entry.agents.add(row.instance_uid);
      } else if (row.previous_id !== null) {
        entry.reverted.set(row.instance_uid, row.previous_id);
      }
    }
    return reach;
  }
}
