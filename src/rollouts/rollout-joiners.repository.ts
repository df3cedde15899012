import type { EntityManager } from 'typeorm';
import type { AssignmentChange } from '../configurations/assignment.store.js';
import type { RolloutPlan } from '../configurations/rollout-policy.js';
import type { StageOutline } from './joiner-stage.js';
import type { RolloutAgentState, RolloutPhase, RolloutStatus } from './rollout.types.js';

/** An agent just assigned a configuration whose rollout is active and does not know it yet. */
export interface JoinerRow {
  instanceUid: string;
  online: boolean;
  labels: Record<string, string>;
  key: string;
  version: number | null;
  rollout: {
    id: string;
    configurationId: string;
    status: RolloutStatus;
    plan: RolloutPlan;
    stageCount: number;
    currentStage: number;
    phase: RolloutPhase;
    toVersion: number;
    toConfigHash: string;
  };
}

/** A joiner as it is added to the rollout's agents. */
export interface PlacedJoiner {
  instanceUid: string;
  stage: number;
  previousVersion: number | null;
  state: Extract<RolloutAgentState, 'waiting' | 'offered' | 'skipped'>;
}

/** The rollout key in SQL: the same sha256(rollout id:uid) hex as rolloutOrder's. */
const KEY_SQL = (rolloutId: string, uid: string) =>
  `encode(sha256(convert_to(${rolloutId}::text || ':' || ${uid}::text, 'UTF8')), 'hex')`;

/** Joiners' reads and writes, inside the transaction that reassigned them. */
export class RolloutJoinersRepository {
  constructor(private readonly manager: EntityManager) {}

  /** Of these changes, the agents whose (new) configuration has an active rollout they are not part of. */
  async findJoiners(changes: AssignmentChange[]): Promise<JoinerRow[]> {
    const rows: Array<Record<string, unknown>> = await this.manager.query(
      `SELECT c.uid AS instance_uid, a.status = 'online' AS online, a.assigned_config_version AS version,
              (a.identifying_attributes || a.non_identifying_attributes || a.labels) AS labels,
              ${KEY_SQL('r.id', 'c.uid')} AS key,
              r.id, r.configuration_id, r.status, r.plan, r.stage_count, r.current_stage, r.phase,
              r.to_version, r.to_config_hash
       FROM unnest($1::uuid[], $2::uuid[]) AS c (uid, configuration_id)
       JOIN rollouts r ON r.configuration_id = c.configuration_id AND r.status IN ('running', 'paused')
       JOIN agents a ON a.instance_uid = c.uid
       WHERE NOT EXISTS (SELECT 1 FROM rollout_agents ra WHERE ra.rollout_id = r.id AND ra.instance_uid = c.uid)`,
      [changes.map((c) => c.instanceUid), changes.map((c) => c.configurationId)],
    );
    return rows.map((r) => ({
      instanceUid: r.instance_uid as string,
      online: r.online as boolean,
      labels: r.labels as Record<string, string>,
      key: r.key as string,
      version: r.version as number | null,
      rollout: {
        id: r.id as string,
        configurationId: r.configuration_id as string,
        status: r.status as RolloutStatus,
        plan: r.plan as RolloutPlan,
        stageCount: r.stage_count as number,
        currentStage: r.current_stage as number,
        phase: r.phase as RolloutPhase,
        toVersion: r.to_version as number,
        toConfigHash: r.to_config_hash as string,
      },
    }));
  }

  /** What a joiner's stage is decided by: the last key of each stage, or the labels of each stage's first agent. */
  async outline(rolloutId: string, plan: RolloutPlan, stageCount: number): Promise<StageOutline> {
    if (plan.type === 'labels') {
      const rows: Array<{ stage: number; labels: Record<string, string> | null }> = await this.manager.query(
        `SELECT DISTINCT ON (ra.stage) ra.stage,
                (a.identifying_attributes || a.non_identifying_attributes || a.labels) AS labels
         FROM rollout_agents ra LEFT JOIN agents a ON a.instance_uid = ra.instance_uid
         WHERE ra.rollout_id = $1 ORDER BY ra.stage, ra.position`,
        [rolloutId],
      );
      const firstLabels = Array.from(
        { length: stageCount },
        (_, stage) => rows.find((r) => r.stage === stage)?.labels ?? null,
      );
      return { kind: 'labels', firstLabels };
    }
    const rows: Array<{ stage: number; last_key: string }> = await this.manager.query(
      `SELECT stage, max(${KEY_SQL('rollout_id', 'instance_uid')}) AS last_key
       FROM rollout_agents WHERE rollout_id = $1 GROUP BY stage`,
      [rolloutId],
    );
    const lastKeys = Array.from(
      { length: stageCount },
      (_, stage) => rows.find((r) => r.stage === stage)?.last_key ?? null,
    );
    return { kind: 'keys', lastKeys };
  }

  /** Adds joiners to the rollout's agents after those already there (an offered one counts as offered once). */
  async add(rolloutId: string, joiners: PlacedJoiner[]): Promise<void> {
    await this.manager.query(
      `INSERT INTO rollout_agents (rollout_id, instance_uid, stage, position, previous_version, state, offers,
         offered_at, finished_at)
       SELECT $1, uid, stage, (SELECT coalesce(max(position), -1) FROM rollout_agents WHERE rollout_id = $1) + n,
              previous, state, CASE WHEN state = 'offered' THEN 1 ELSE 0 END,
              CASE WHEN state = 'offered' THEN now() END, CASE WHEN state = 'skipped' THEN now() END
       FROM unnest($2::uuid[], $3::int[], $4::int[], $5::text[]) WITH ORDINALITY AS t (uid, stage, previous, state, n)
       ON CONFLICT (rollout_id, instance_uid) DO NOTHING`,
      [
        rolloutId,
        joiners.map((j) => j.instanceUid),
        joiners.map((j) => j.stage),
        joiners.map((j) => j.previousVersion),
        joiners.map((j) => j.state),
      ],
    );
  }
}
