import type { DataSource } from 'typeorm';
import type { AgentRecord } from './agent-record.js';
import { LOCK_IN_ORDER } from './agent-row-locks.js';

/** What the first write of a connection tells the protocol side about the stored agent. */
export interface StoredAgentState {
  labels: Record<string, string>;
  /**
   * Null when the written record carried them (the stored ones are those): a first write of a
   * fleet would otherwise read back every agent's description it just sent.
   */
  identifying_attributes: Record<string, string> | null;
  non_identifying_attributes: Record<string, string> | null;
  remote_config_hash: string | null;
  remote_config_status: string | null;
  remote_config_error: string | null;
  effective_config_hash: string | null;
  /** Hex hash of the available components stored, if any. */
  available_components_hash: string | null;
}

const RECORD_COLUMNS = `instance_uid uuid, identifying_attributes jsonb, non_identifying_attributes jsonb,
  agent_name text, agent_version text, host_name text, capabilities numeric, transport varchar,
  sequence_num numeric, health jsonb, healthy boolean, effective_config jsonb, effective_config_hash varchar,
  remote_config_status varchar, remote_config_hash varchar, remote_config_error text,
  available_components jsonb, custom_capabilities jsonb, connected_at timestamptz, last_seen_at timestamptz`;

const KEEP_IF_NULL = [
  'identifying_attributes',
  'non_identifying_attributes',
  'agent_name',
  'agent_version',
  'host_name',
  'health',
  'healthy',
  'effective_config',
  'effective_config_hash',
  'remote_config_status',
  'remote_config_hash',
  'remote_config_error',
  'available_components',
  'custom_capabilities',
];

// Null in a record means "not reported on this connection yet" (status compression), so the
// stored value is kept; one statement updates existing rows and inserts new ones. Attributes are
// returned only where the record had none (StoredAgentState); an INSERT's RETURNING cannot see x,
// so there the empty object is what a record without them inserted.
const UPSERT_SQL = `
WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(${RECORD_COLUMNS})),
locked AS (${LOCK_IN_ORDER('SELECT instance_uid FROM x')}),
upd AS (
  UPDATE agents a SET
    ${KEEP_IF_NULL.map((c) => `${c} = COALESCE(x.${c}, a.${c})`).join(',\n    ')},
    capabilities = x.capabilities, transport = x.transport, sequence_num = x.sequence_num,
    connected_at = x.connected_at, last_seen_at = x.last_seen_at, status = 'online',
    instance_id = $2, disconnected_at = NULL, updated_at = now()
  FROM x JOIN locked ON locked.instance_uid = x.instance_uid WHERE a.instance_uid = x.instance_uid
  RETURNING a.instance_uid, a.labels,
    CASE WHEN x.identifying_attributes IS NULL THEN a.identifying_attributes END AS identifying_attributes,
    CASE WHEN x.non_identifying_attributes IS NULL THEN a.non_identifying_attributes END AS non_identifying_attributes,
    a.remote_config_hash, a.remote_config_status, a.remote_config_error,
    a.effective_config_hash, a.available_components ->> 'hash' AS available_components_hash
),
ins AS (
  INSERT INTO agents (instance_uid, ${KEEP_IF_NULL.join(', ')}, capabilities, transport, sequence_num,
    connected_at, last_seen_at, status, instance_id)
  SELECT x.instance_uid, ${KEEP_IF_NULL.map((c) =>
    c.endsWith('attributes') ? `COALESCE(x.${c}, '{}'::jsonb)` : `x.${c}`,
  ).join(', ')},
    x.capabilities, x.transport, x.sequence_num, x.connected_at, x.last_seen_at, 'online', $2
  FROM x WHERE NOT EXISTS (SELECT 1 FROM upd WHERE upd.instance_uid = x.instance_uid)
  ON CONFLICT (instance_uid) DO NOTHING
  RETURNING instance_uid, labels,
    CASE WHEN identifying_attributes = '{}'::jsonb THEN identifying_attributes END AS identifying_attributes,
    CASE WHEN non_identifying_attributes = '{}'::jsonb THEN non_identifying_attributes END AS non_identifying_attributes,
    remote_config_hash, remote_config_status, remote_config_error,
    effective_config_hash, available_components ->> 'hash' AS available_components_hash
)
SELECT * FROM upd UNION ALL SELECT * FROM ins`;

const TOUCH_SQL = `
WITH v AS (SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::numeric[]) AS v(uid, ts, seq)),
locked AS (${LOCK_IN_ORDER('SELECT uid FROM v')})
UPDATE agents a SET last_seen_at = v.ts, sequence_num = v.seq, status = 'online', instance_id = $4,
  disconnected_at = NULL
FROM v JOIN locked ON locked.instance_uid = v.uid
WHERE a.instance_uid = v.uid`;

const OFFLINE_SQL = `
UPDATE agents SET status = 'offline', disconnected_at = now(), updated_at = now()
WHERE instance_uid IN (${LOCK_IN_ORDER('SELECT unnest($1::uuid[])')}) AND instance_id = $2 AND status = 'online'`;

/**
 * The SQL of AgentWriteQueue's batched inventory writes: each method is one statement over a whole
 * batch, taking its agent rows' locks in one order (LOCK_IN_ORDER) so concurrent batches never deadlock.
 */
export class AgentWritesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Full rows (null fields keep the stored value); returns each written agent's stored state. */
  upsertRows(records: AgentRecord[], instanceId: string): Promise<Array<StoredAgentState & { instance_uid: string }>> {
    return this.dataSource.query(UPSERT_SQL, [JSON.stringify(records), instanceId]);
  }

  /** Last-seen time and sequence number of agents that only sent a heartbeat. */
  async touch(uids: string[], times: string[], sequences: string[], instanceId: string): Promise<void> {
    await this.dataSource.query(TOUCH_SQL, [uids, times, sequences, instanceId]);
  }

  /** Agents this instance held that disconnected. */
  async markOffline(uids: string[], instanceId: string): Promise<void> {
    await this.dataSource.query(OFFLINE_SQL, [uids, instanceId]);
  }

  /** Every agent this instance still holds online (shutdown). */
  async markAllOffline(instanceId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE agents SET status = 'offline', disconnected_at = now(), updated_at = now()
       WHERE instance_uid IN (${LOCK_IN_ORDER("SELECT instance_uid FROM agents WHERE instance_id = $1 AND status = 'online'")})
         AND instance_id = $1 AND status = 'online'`,
      [instanceId],
    );
  }
}
