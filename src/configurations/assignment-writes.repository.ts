import type { EntityManager } from 'typeorm';
import { LOCK_IN_ORDER } from '../agents/agent-row-locks.js';

/** An agent whose desired state a recompute changed, as the UPDATE returned it. */
export interface AssignmentChangeRow {
  instance_uid: string;
  configuration_id: string | null;
  version: number | null;
  config_hash: string | null;
}

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

// The agents assigned a configuration plus those its selector matches: nobody else can win or lose it.
const CONFIGURATION_SCOPE = `a.assigned_configuration_id = $1
  OR ($2::jsonb <> '{}'::jsonb
      AND (a.identifying_attributes || a.non_identifying_attributes || a.labels) @> $2::jsonb)`;

const AGENTS_SCOPE = 'a.instance_uid = ANY($1::uuid[])';

/**
 * SQL of the desired-state writes (agents' assignments, agent_config_pins, wake-ups), bound to
 * the caller's transaction: AssignmentStore decides what to run, this runs it.
 */
export class AssignmentWritesRepository {
  constructor(private readonly manager: EntityManager) {}

  /** Recomputes the agents a configuration's change can concern; returns those whose desired state changed. */
  recomputeForConfiguration(configurationId: string, selector: Record<string, string>): Promise<AssignmentChangeRow[]> {
    return this.updateReturning(RECOMPUTE_SQL(CONFIGURATION_SCOPE), [configurationId, JSON.stringify(selector)]);
  }

  /**
   * Recomputes these agents; returns those whose desired state changed. Agent-side recomputes
   * run concurrently (they share the configuration lock), and one of the same agent may pin it
   * in its transaction (a rollout's joiner). The rows are locked by a statement of their own
   * first, so the recompute's snapshot is taken once any such transaction has committed: in one
   * statement, a row lock waited for is rechecked against the pins of the older snapshot, and
   * the agent would be put back on the released version.
   */
  async recomputeForAgents(instanceUids: string[]): Promise<AssignmentChangeRow[]> {
    await this.manager.query(LOCK_IN_ORDER('SELECT unnest($1::uuid[])'), [instanceUids]);
    return this.updateReturning(RECOMPUTE_SQL(AGENTS_SCOPE), [instanceUids]);
  }

  /** One NOTIFY per payload, in one statement; delivered only if the transaction commits. */
  async notify(channel: string, payloads: string[]): Promise<void> {
    await this.manager.query('SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload', [channel, payloads]);
  }

  async setReleased(configurationId: string, version: number, configHash: string): Promise<void> {
    await this.manager.query(
      'UPDATE configurations SET released_version = $2, released_config_hash = $3 WHERE id = $1',
      [configurationId, version, configHash],
    );
  }

  async deletePins(configurationId: string): Promise<void> {
    await this.manager.query('DELETE FROM agent_config_pins WHERE configuration_id = $1', [configurationId]);
  }

  /** Pins those of `instanceUids` that are assigned this configuration (others are left alone). */
  async upsertPins(
    configurationId: string,
    version: number,
    configHash: string,
    instanceUids: string[],
  ): Promise<void> {
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

  async deletePinsOf(configurationId: string, instanceUids: string[]): Promise<void> {
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

  private async updateReturning(sql: string, params: unknown[]): Promise<AssignmentChangeRow[]> {
    const result: unknown = await this.manager.query(sql, params);
    // node-postgres answers an UPDATE ... RETURNING through TypeORM as [rows, count].
    return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as AssignmentChangeRow[];
  }
}
