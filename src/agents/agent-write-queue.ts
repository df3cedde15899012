import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { isConnectionFailure, isTransientConflict, retryTransient } from '../database/retry.js';
import type { AgentRecord } from './agent-record.js';
import { LOCK_IN_ORDER } from './agent-row-locks.js';

/** What the first write of a connection tells the protocol side about the stored agent. */
export interface StoredAgentState {
  labels: Record<string, string>;
  identifying_attributes: Record<string, string>;
  non_identifying_attributes: Record<string, string>;
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
// stored value is kept; one statement updates existing rows and inserts new ones.
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
  RETURNING a.instance_uid, a.labels, a.identifying_attributes, a.non_identifying_attributes, a.remote_config_hash, a.remote_config_status, a.remote_config_error,
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
  RETURNING instance_uid, labels, identifying_attributes, non_identifying_attributes, remote_config_hash, remote_config_status, remote_config_error,
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

const CHUNK = 500;

/** What a waiting first write learns: the stored state, or why the row could not be written. */
export type UpsertResult = StoredAgentState | Error;
type Waiter = (result: UpsertResult) => void;

/**
 * Coalesces the inventory writes of the OpAMP hot path. A heartbeat only updates memory; every
 * flush writes all pending changes in a few statements: full rows for agents whose status
 * changed, one UPDATE for the last-seen times of all others, one for disconnects. The first
 * write of a connection is awaited (the agent must appear in the API at once) but still batched
 * with the other first writes of a reconnect storm.
 */
export class AgentWriteQueue {
  private readonly logger = new Logger(AgentWriteQueue.name);
  private dirty = new Map<string, AgentRecord>();
  private waiters = new Map<string, Waiter[]>();
  private touches = new Map<string, { ts: string; seq: string }>();
  private offline = new Set<string>();
  private timer?: NodeJS.Timeout;
  private timerDue = Infinity;
  private flushing?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly instanceId: string,
    private readonly touchDelayMs: number,
  ) {}

  /**
   * Queues a full write; with `wait`, resolves with the stored labels and remote-config state, or
   * with the error that kept this agent's row from being written (never rejects).
   */
  upsert(record: AgentRecord, wait: true): Promise<UpsertResult>;
  upsert(record: AgentRecord, wait: false): void;
  upsert(record: AgentRecord, wait: boolean): Promise<UpsertResult> | void {
    this.dirty.set(record.instance_uid, record);
    this.touches.delete(record.instance_uid);
    this.offline.delete(record.instance_uid);
    if (!wait) {
      this.schedule(200);
      return;
    }
    this.schedule(5);
    return new Promise((resolve) => {
      const list = this.waiters.get(record.instance_uid) ?? [];
      list.push(resolve);
      this.waiters.set(record.instance_uid, list);
    });
  }

  touch(record: AgentRecord): void {
    if (!this.dirty.has(record.instance_uid)) {
      this.touches.set(record.instance_uid, { ts: record.last_seen_at, seq: record.sequence_num });
      this.schedule(this.touchDelayMs);
    }
  }

  markOffline(instanceUid: string): void {
    this.touches.delete(instanceUid);
    this.offline.add(instanceUid);
    this.schedule(20);
  }

  /**
   * Shutdown: every agent this instance still holds online goes offline, including any whose own
   * disconnect was lost, so the table never shows an agent online at an instance that has gone.
   */
  async markAllOffline(): Promise<void> {
    await this.drain();
    await this.run(
      `UPDATE agents SET status = 'offline', disconnected_at = now(), updated_at = now()
       WHERE instance_uid IN (${LOCK_IN_ORDER("SELECT instance_uid FROM agents WHERE instance_id = $1 AND status = 'online'")})
         AND instance_id = $1 AND status = 'online'`,
      true,
      () => [this.instanceId],
    );
  }

  /** Writes everything pending now (shutdown, tests). */
  async drain(): Promise<void> {
    clearTimeout(this.timer);
    this.timerDue = Infinity;
    while (this.flushing || this.dirty.size || this.touches.size || this.offline.size) {
      await (this.flushing ?? this.flush());
    }
  }

  private schedule(delayMs: number): void {
    const due = Date.now() + delayMs;
    if (due >= this.timerDue) {
      return;
    }
    clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timerDue = Infinity;
      void this.flush();
    }, delayMs);
  }

  private flush(): Promise<void> {
    if (this.flushing) {
      // Whatever arrives meanwhile is picked up by a flush right after this one.
      return this.flushing.then(() => this.flush());
    }
    const dirty = this.dirty;
    const waiters = this.waiters;
    const touches = this.touches;
    const offline = this.offline;
    this.dirty = new Map();
    this.waiters = new Map();
    this.touches = new Map();
    this.offline = new Set();
    this.flushing = this.write(dirty, waiters, touches, offline).finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async write(
    dirty: Map<string, AgentRecord>,
    waiters: Map<string, Waiter[]>,
    touches: Map<string, { ts: string; seq: string }>,
    offline: Set<string>,
  ): Promise<void> {
    const records = [...dirty.values()];
    for (let i = 0; i < records.length; i += CHUNK) {
      const chunk = records.slice(i, i + CHUNK);
      const written = chunk.map((record) => record.effective_config);
      const results = await this.writeRows(chunk);
      chunk.forEach((record, j) => {
        const result = results.get(record.instance_uid) ?? new Error(`agent ${record.instance_uid} was not written`);
        // The row holds the (redacted) effective config now: later writes keep it (null = keep), and
        // memory holds only its hash. A newer config set meanwhile is a different object and stays.
        if (!(result instanceof Error) && record.effective_config === written[j]) {
          record.effective_config = null;
        }
        waiters.get(record.instance_uid)?.forEach((resolve) => resolve(result));
      });
    }
    await this.run(TOUCH_SQL, touches.size > 0, () => {
      const uids = [...touches.keys()];
      return [uids, uids.map((u) => touches.get(u)!.ts), uids.map((u) => touches.get(u)!.seq), this.instanceId];
    });
    await this.run(OFFLINE_SQL, offline.size > 0, () => [[...offline], this.instanceId]);
  }

  /**
   * Writes rows in one statement. When that fails for a reason other than a passing conflict,
   * each row is written alone, so one agent's row that PostgreSQL refuses does not fail the
   * others of its batch.
   */
  private async writeRows(chunk: AgentRecord[]): Promise<Map<string, UpsertResult>> {
    try {
      const rows = await retryTransient(() =>
        this.dataSource.query<Array<StoredAgentState & { instance_uid: string }>>(UPSERT_SQL, [
          JSON.stringify(chunk),
          this.instanceId,
        ]),
      );
      return new Map(rows.map((row) => [row.instance_uid, row]));
    } catch (error) {
      if (chunk.length === 1 || isTransientConflict(error) || isConnectionFailure(error)) {
        this.logger.error({ err: error }, `Writing ${chunk.length} agent rows failed`);
        return new Map(chunk.map((record) => [record.instance_uid, error as Error]));
      }
      const results = new Map<string, UpsertResult>();
      for (const record of chunk) {
        for (const [uid, result] of await this.writeRows([record])) {
          results.set(uid, result);
        }
      }
      return results;
    }
  }

  private async run(sql: string, needed: boolean, params: () => unknown[]): Promise<void> {
    if (!needed) {
      return;
    }
    try {
      const values = params();
      await retryTransient(() => this.dataSource.query(sql, values));
    } catch (error) {
      this.logger.error({ err: error }, 'Agent inventory write failed');
    }
  }
}
