import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  ROLLOUT_AGENT_STATES,
  type Rollout,
  type RolloutAgentState,
  type RolloutAgentView,
  type RolloutStatus,
  type StageCounts,
} from './rollout.types.js';
import { RUNS_PACKAGE } from './package-rollouts.repository.js';
import { ROLLOUT_SELECT, toRollout } from './rollouts.repository.js';

type Raw = Record<string, unknown>;

/** What the API shows of rollouts: lists, per-stage counts and the agents' states. */
@Injectable()
export class RolloutViewsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async list(
    filter: { configurationId?: string; status?: RolloutStatus; packageAssignmentId?: number },
    offset: number,
    limit: number,
  ): Promise<[Rollout[], number]> {
    const where = `WHERE ($1::uuid IS NULL OR r.configuration_id = $1) AND ($2::text IS NULL OR r.status = $2)
      AND ($3::int IS NULL OR r.package_assignment_id = $3)`;
    const params = [filter.configurationId ?? null, filter.status ?? null, filter.packageAssignmentId ?? null];
    const rows: Raw[] = await this.dataSource.query(
      `${ROLLOUT_SELECT} ${where} ORDER BY r.created_at DESC, r.id LIMIT $4 OFFSET $5`,
      [...params, limit, offset],
    );
    const total: Array<{ count: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS count FROM rollouts r ${where}`,
      params,
    );
    return [rows.map(toRollout), total[0].count];
  }

  async stageCounts(rollout: Rollout): Promise<StageCounts[]> {
    // "Unhealthy" counts agents that run what the rollout gives: its config hash, or its package version.
    const [runsTarget, subject] = rollout.package
      ? [RUNS_PACKAGE('$2', '$3'), [rollout.package.name, rollout.package.version]]
      : ['a.remote_config_hash = $2', [rollout.toConfigHash]];
    const rows: Array<{
      stage: number;
      state: RolloutAgentState;
      count: number;
      unhealthy: number;
      disconnected: number;
    }> = await this.dataSource.query(
      `SELECT ra.stage, ra.state, count(*)::int AS count,
                count(*) FILTER (WHERE ra.state = 'applied' AND a.healthy = false AND ${runsTarget})::int AS unhealthy,
                count(*) FILTER (WHERE ra.state = 'applied' AND a.status IS DISTINCT FROM 'online')::int AS disconnected
         FROM rollout_agents ra LEFT JOIN agents a ON a.instance_uid = ra.instance_uid
         WHERE ra.rollout_id = $1 GROUP BY ra.stage, ra.state`,
      [rollout.id, ...subject],
    );
    return Array.from({ length: rollout.stageCount }, (_, stage) => {
      const mine = rows.filter((r) => r.stage === stage);
      const states = Object.fromEntries(ROLLOUT_AGENT_STATES.map((s) => [s, 0])) as Record<RolloutAgentState, number>;
      mine.forEach((r) => (states[r.state] = r.count));
      return {
        stage,
        targeted: mine.reduce((sum, r) => sum + r.count, 0),
        states,
        unhealthy: mine.reduce((sum, r) => sum + r.unhealthy, 0),
        disconnected: mine.reduce((sum, r) => sum + r.disconnected, 0),
      };
    });
  }

  async listAgents(
    id: string,
    filter: { stage?: number; state?: RolloutAgentState },
    offset: number,
    limit: number,
  ): Promise<[RolloutAgentView[], number]> {
    const where = `WHERE ra.rollout_id = $1 AND ($2::int IS NULL OR ra.stage = $2) AND ($3::text IS NULL OR ra.state = $3)`;
    const params = [id, filter.stage ?? null, filter.state ?? null];
    const rows: Raw[] = await this.dataSource.query(
      `SELECT ra.*, a.agent_name, a.healthy, a.status AS agent_status
       FROM rollout_agents ra LEFT JOIN agents a ON a.instance_uid = ra.instance_uid
       ${where} ORDER BY ra.position LIMIT $4 OFFSET $5`,
      [...params, limit, offset],
    );
    const total: Array<{ count: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS count FROM rollout_agents ra ${where}`,
      params,
    );
    return [
      rows.map((r) => ({
        instanceUid: r.instance_uid as string,
        agentName: (r.agent_name as string | null) ?? null,
        stage: r.stage as number,
        position: r.position as number,
        state: r.state as RolloutAgentState,
        previousVersion: r.previous_version as number | null,
        previousPackageVersion: r.previous_package_version as string | null,
        offers: r.offers as number,
        offeredAt: r.offered_at as Date | null,
        finishedAt: r.finished_at as Date | null,
        healthy: (r.healthy as boolean | null) ?? null,
        online: r.agent_status === 'online',
      })),
      total[0].count,
    ];
  }
}
