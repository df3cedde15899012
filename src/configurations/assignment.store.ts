import type { EntityManager } from 'typeorm';
import type { Selector } from './selector.js';

/**
 * Every configuration write takes this transaction-scoped advisory lock exclusively; agent-side
 * reassignment takes it shared. Configuration writes are rare, and serialising them means an
 * assignment recompute always sees every committed configuration, on any number of instances.
 */
export const CONFIGURATION_WRITE_LOCK = 4_203_160_001;

/** An agent whose desired configuration changed (configurationId null: nothing matches it any more). */
export interface AssignmentChange {
  instanceUid: string;
  configurationId: string | null;
  version: number | null;
  configHash: string | null;
}

/** Which agents a recompute looks at. */
export type RecomputeScope =
  { kind: 'configuration'; configurationId: string; selector: Selector } | { kind: 'agents'; instanceUids: string[] };

/*
 * The assignment rule in SQL (selector.ts has the same rule in TypeScript, unit-tested): the
 * agent's label set is identifying || non-identifying || labels (later maps win on a shared key);
 * a non-empty selector matches when the set contains every pair; the winner is the highest
 * priority, then the oldest, then the name. The version is the winner's released one, unless a
 * push or a rollout pinned the agent to another version of it. Only rows whose desired state
 * changes are written.
 */
const RECOMPUTE_SQL = (scope: string): string => `
  WITH desired AS (
    SELECT a.instance_uid, best.id AS configuration_id,
           COALESCE(p.version, best.version) AS version, COALESCE(p.config_hash, best.config_hash) AS config_hash
    FROM agents a
    LEFT JOIN LATERAL (
      SELECT c.id, c.released_version AS version, c.released_config_hash AS config_hash
      FROM configurations c
      WHERE c.deleted_at IS NULL
        AND c.selector <> '{}'::jsonb
        AND (a.identifying_attributes || a.non_identifying_attributes || a.labels) @> c.selector
      ORDER BY c.priority DESC, c.created_at ASC, lower(c.name) ASC
      LIMIT 1
    ) best ON true
    LEFT JOIN agent_config_pins p ON p.instance_uid = a.instance_uid AND p.configuration_id = best.id
    WHERE ${scope}
    -- Locks in instance_uid order, like every multi-row write on agents (agent-row-locks.ts).
    ORDER BY a.instance_uid
    FOR NO KEY UPDATE OF a
  )
  UPDATE agents a
  SET assigned_configuration_id = d.configuration_id,
      assigned_config_version = d.version,
      desired_config_hash = d.config_hash
  FROM desired d
  WHERE a.instance_uid = d.instance_uid
    AND (a.assigned_configuration_id IS DISTINCT FROM d.configuration_id
      OR a.assigned_config_version IS DISTINCT FROM d.version
      OR a.desired_config_hash IS DISTINCT FROM d.config_hash)
  RETURNING a.instance_uid, d.configuration_id, d.version, d.config_hash`;

interface ChangeRow {
  instance_uid: string;
  configuration_id: string | null;
  version: number | null;
  config_hash: string | null;
}

/** Channel on which committed assignment changes wake the other server instances. */
export const ASSIGNMENT_CHANNEL = 'opamp_config_assignments';

/**
 * Agents listed per wake-up (NOTIFY payloads are < 8000 bytes). More agents take more wake-ups,
 * all sent by one statement: about 270 for 40,000 agents, not one per agent.
 */
export const MAX_NOTIFIED_UIDS = 150;

/** Splits agents into the lists of successive wake-ups. */
export function chunkUids(instanceUids: string[]): string[][] {
  const chunks: string[][] = [];
  for (let i = 0; i < instanceUids.length; i += MAX_NOTIFIED_UIDS) {
    chunks.push(instanceUids.slice(i, i + MAX_NOTIFIED_UIDS));
  }
  return chunks;
}

/**
 * What a wake-up carries: who wrote, and which agents changed. Every writer lists them (in
 * several wake-ups when they are many); a wake-up without a list means "reload everything".
 */
export interface AssignmentNotification {
  origin: string;
  instanceUids?: string[];
  /** Set when an operator's push is forwarded to the instances holding these agents. */
  push?: ForwardedPush;
}

export interface ForwardedPush {
  pushId: string;
  configurationId: string;
  version: number;
  /** Re-offer to agents that reported FAILED for this version (an operator's `force`). */
  force?: boolean;
}

/** Desired-state writes on the agents table, run inside the caller's transaction. */
export class AssignmentStore {
  /** `origin` names the writing instance, so it can ignore its own wake-ups. */
  constructor(
    private readonly manager: EntityManager,
    private readonly origin: string,
  ) {}

  /**
   * Recomputes the desired configuration of the agents in scope. For a configuration change the
   * scope is the agents assigned to it plus those its selector matches: nobody else can win or lose it.
   */
  async recompute(scope: RecomputeScope, wake = true): Promise<AssignmentChange[]> {
    const [sql, params] =
      scope.kind === 'configuration'
        ? [
            RECOMPUTE_SQL(
              `a.assigned_configuration_id = $1
               OR ($2::jsonb <> '{}'::jsonb
                   AND (a.identifying_attributes || a.non_identifying_attributes || a.labels) @> $2::jsonb)`,
            ),
            [scope.configurationId, JSON.stringify(scope.selector)],
          ]
        : [RECOMPUTE_SQL('a.instance_uid = ANY($1::uuid[])'), [scope.instanceUids]];
    const result: unknown = await this.manager.query(sql, params);
    // node-postgres answers an UPDATE ... RETURNING through TypeORM as [rows, count].
    const rows = (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as ChangeRow[];
    // `wake` false: the caller wakes them itself (a push names its agents in its own wake-up).
    if (rows.length > 0 && wake) {
      await this.wakeOtherInstances(rows.map((row) => row.instance_uid));
    }
    return rows.map((row) => ({
      instanceUid: row.instance_uid,
      configurationId: row.configuration_id,
      version: row.version,
      configHash: row.config_hash,
    }));
  }

  /**
   * NOTIFY inside the transaction is delivered only if it commits, so other instances never act
   * on a rolled-back change and never miss a committed one while their listener is connected.
   */
  private async wakeOtherInstances(instanceUids: string[]): Promise<void> {
    // Listed, however many: "reload everything" left the receivers nothing to offer, and their
    // agents waited for their next heartbeat.
    const payloads = chunkUids(instanceUids).map((chunk) =>
      JSON.stringify({ origin: this.origin, instanceUids: chunk } satisfies AssignmentNotification),
    );
    await this.manager.query('SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload', [
      ASSIGNMENT_CHANNEL,
      payloads,
    ]);
  }

  /** Every agent assigned this configuration is to get `version` (pins to other versions are dropped). */
  async release(configurationId: string, version: number, configHash: string): Promise<void> {
    await this.manager.query(
      'UPDATE configurations SET released_version = $2, released_config_hash = $3 WHERE id = $1',
      [configurationId, version, configHash],
    );
    await this.manager.query('DELETE FROM agent_config_pins WHERE configuration_id = $1', [configurationId]);
  }

  /** These agents get `version` of the configuration (when it is the one that wins for them). */
  async pin(configurationId: string, version: number, configHash: string, instanceUids: string[]): Promise<void> {
    await this.manager.query(
      `INSERT INTO agent_config_pins (instance_uid, configuration_id, version, config_hash)
       SELECT a.instance_uid, $1, $2, $3 FROM agents a
       WHERE a.instance_uid = ANY($4::uuid[]) AND a.assigned_configuration_id = $1
       ORDER BY a.instance_uid
       ON CONFLICT (instance_uid) DO UPDATE
         SET configuration_id = EXCLUDED.configuration_id, version = EXCLUDED.version,
             config_hash = EXCLUDED.config_hash, created_at = now()`,
      [configurationId, version, configHash, instanceUids],
    );
  }

  /** These agents get the configuration's released version again. */
  async unpin(configurationId: string, instanceUids: string[]): Promise<void> {
    await this.manager.query(
      'DELETE FROM agent_config_pins WHERE configuration_id = $1 AND instance_uid = ANY($2::uuid[])',
      [configurationId, instanceUids],
    );
  }

  async countAssigned(configurationId: string): Promise<number> {
    const rows: Array<{ count: string }> = await this.manager.query(
      'SELECT count(*) AS count FROM agents WHERE assigned_configuration_id = $1',
      [configurationId],
    );
    return Number(rows[0].count);
  }
}
