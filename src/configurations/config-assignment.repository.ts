import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { InstanceIdentity } from '../agents/instance-identity.js';
import { retryTransient } from '../database/retry.js';
import { lowBits } from '../opamp/uint64.js';
import type { PinRequest } from './agents-assigned-hooks.js';
import {
  ASSIGNMENT_CHANNEL,
  AssignmentStore,
  CONFIGURATION_WRITE_LOCK,
  chunkUids,
  type AssignmentChange,
  type AssignmentNotification,
  type ForwardedPush,
} from './assignment.store.js';

/** An agent's desired configuration next to what it reports running. */
export interface AgentAssignmentRow {
  instanceUid: string;
  agentName: string | null;
  hostName: string | null;
  status: string;
  /** The server instance holding its connection (while online). */
  instanceId: string | null;
  capabilities: number;
  configurationId: string | null;
  configurationName: string | null;
  assignedVersion: number | null;
  desiredConfigHash: string | null;
  remoteConfigStatus: string | null;
  remoteConfigHash: string | null;
  remoteConfigError: string | null;
  /** Status of the newest apply-history row for the assigned configuration, if it was ever offered. */
  applyStatus: string | null;
  applyUpdatedAt: Date | null;
}

/** An agent a push may reach, as stored (the live view comes from the gateway when it is connected here). */
export type PushTarget = Pick<
  AgentAssignmentRow,
  'instanceUid' | 'status' | 'instanceId' | 'capabilities' | 'remoteConfigStatus' | 'remoteConfigHash'
>;

interface RawAssignmentRow {
  instance_uid: string;
  agent_name: string | null;
  host_name: string | null;
  status: string;
  instance_id: string | null;
  capabilities: string;
  configuration_id: string | null;
  configuration_name: string | null;
  assigned_config_version: number | null;
  desired_config_hash: string | null;
  remote_config_status: string | null;
  remote_config_hash: string | null;
  remote_config_error: string | null;
  apply_status: string | null;
  apply_updated_at: Date | null;
}

const ASSIGNMENT_SELECT = `
  SELECT a.instance_uid, a.agent_name, a.host_name, a.status, a.instance_id, a.capabilities,
         a.assigned_configuration_id AS configuration_id, c.name AS configuration_name,
         a.assigned_config_version, a.desired_config_hash,
         a.remote_config_status, a.remote_config_hash, a.remote_config_error,
         r.status AS apply_status, r.updated_at AS apply_updated_at
  FROM agents a
  LEFT JOIN configurations c ON c.id = a.assigned_configuration_id
  LEFT JOIN LATERAL (
    SELECT h.status, h.updated_at FROM configuration_apply_history h
    WHERE h.instance_uid = a.instance_uid AND h.configuration_id = a.assigned_configuration_id
    ORDER BY h.offered_at DESC LIMIT 1
  ) r ON true`;

function toRow(raw: RawAssignmentRow): AgentAssignmentRow {
  return {
    instanceUid: raw.instance_uid,
    agentName: raw.agent_name,
    hostName: raw.host_name,
    status: raw.status,
    instanceId: raw.instance_id,
    capabilities: lowBits(raw.capabilities),
    configurationId: raw.configuration_id,
    configurationName: raw.configuration_name,
    assignedVersion: raw.assigned_config_version,
    desiredConfigHash: raw.desired_config_hash,
    remoteConfigStatus: raw.remote_config_status,
    remoteConfigHash: raw.remote_config_hash,
    remoteConfigError: raw.remote_config_error,
    applyStatus: raw.apply_status,
    applyUpdatedAt: raw.apply_updated_at,
  };
}

/** What an explicit push did when it was made (sent and skipped are null until it finished). */
export interface PushRecord {
  version: number;
  /** Null until the targets of a push answered at once (wait: false) are read. */
  targeted: number | null;
  forwarded: number | null;
  sent: number | null;
  skipped: number | null;
  /** Why a push answered at once could not be carried out. */
  error: string | null;
  createdAt: Date;
}

/** Reads and agent-driven writes of the desired configuration stored on the agents table. */
@Injectable()
export class ConfigAssignmentRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly identity: InstanceIdentity,
  ) {}

  /**
   * Recomputes these agents' assignments; shares the lock with readers, excludes configuration
   * writes. `pinsFor` may ask for pins of the agents that got a configuration (see
   * AgentsAssignedHook): they are written and those agents recomputed in the same transaction.
   */
  recomputeForAgents(
    instanceUids: string[],
    pinsFor?: (manager: EntityManager, changes: AssignmentChange[]) => Promise<PinRequest[]>,
  ): Promise<AssignmentChange[]> {
    return retryTransient(() =>
      this.dataSource.transaction(async (manager) => {
        await manager.query('SELECT pg_advisory_xact_lock_shared($1)', [CONFIGURATION_WRITE_LOCK]);
        const store = new AssignmentStore(manager, this.identity.id);
        const changes = await store.recompute({ kind: 'agents', instanceUids });
        const pins = pinsFor && changes.length > 0 ? await pinsFor(manager, changes) : [];
        if (pins.length === 0) {
          return changes;
        }
        for (const pin of pins) {
          await store.pin(pin.configurationId, pin.version, pin.configHash, pin.instanceUids);
        }
        const pinned = await store.recompute({ kind: 'agents', instanceUids: pins.flatMap((pin) => pin.instanceUids) });
        // Each agent's last change wins.
        return [...new Map([...changes, ...pinned].map((change) => [change.instanceUid, change])).values()];
      }),
    );
  }

  async findForAgent(instanceUid: string): Promise<AgentAssignmentRow | null> {
    const rows: RawAssignmentRow[] = await this.dataSource.query(`${ASSIGNMENT_SELECT} WHERE a.instance_uid = $1`, [
      instanceUid,
    ]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  async listAssigned(configurationId: string, offset: number, limit: number): Promise<[AgentAssignmentRow[], number]> {
    const rows: RawAssignmentRow[] = await this.dataSource.query(
      `${ASSIGNMENT_SELECT} WHERE a.assigned_configuration_id = $1 ORDER BY a.instance_uid LIMIT $2 OFFSET $3`,
      [configurationId, limit, offset],
    );
    const total = await new AssignmentStore(this.dataSource.manager, this.identity.id).countAssigned(configurationId);
    return [rows.map(toRow), total];
  }

  /**
   * The assigned agents, or only those of `instanceUids` that are assigned this configuration:
   * what a push needs and nothing more. (No apply-history join: over a whole fleet, a lookup per
   * agent into a table that grows by a row per offer is what made a 100,000-agent push take minutes.)
   */
  async findAssigned(configurationId: string, instanceUids?: string[]): Promise<PushTarget[]> {
    const rows: Array<{
      instance_uid: string;
      status: string;
      instance_id: string | null;
      capabilities: string;
      remote_config_status: string | null;
      remote_config_hash: string | null;
    }> = await this.dataSource.query(
      `SELECT instance_uid, status, instance_id, capabilities, remote_config_status, remote_config_hash
       FROM agents WHERE assigned_configuration_id = $1 AND ($2::uuid[] IS NULL OR instance_uid = ANY($2::uuid[]))`,
      [configurationId, instanceUids ?? null],
    );
    return rows.map((row) => ({
      instanceUid: row.instance_uid,
      status: row.status,
      instanceId: row.instance_id,
      capabilities: lowBits(row.capabilities),
      remoteConfigStatus: row.remote_config_status,
      remoteConfigHash: row.remote_config_hash,
    }));
  }

  /** The desired state of several agents at once (agents without a row are absent from the map). */
  async findDesiredMany(
    instanceUids: string[],
  ): Promise<Map<string, { configurationId: string | null; version: number | null; configHash: string | null }>> {
    const rows: Array<{ uid: string; id: string | null; version: number | null; hash: string | null }> =
      await this.dataSource.query(
        `SELECT instance_uid AS uid, assigned_configuration_id AS id, assigned_config_version AS version,
                desired_config_hash AS hash
         FROM agents WHERE instance_uid = ANY($1::uuid[])`,
        [instanceUids],
      );
    return new Map(rows.map((r) => [r.uid, { configurationId: r.id, version: r.version, configHash: r.hash }]));
  }

  /**
   * Records an explicit push and asks the instances holding `instanceUids` to deliver it (they
   * answer nothing; the apply history tells), in one statement: the record and the wake-ups commit
   * together, and a busy pool queues one statement instead of several.
   */
  async startPush(push: ForwardedPush, targeted: number, instanceUids: string[]): Promise<void> {
    const payloads = chunkUids(instanceUids).map((chunk) =>
      JSON.stringify({ origin: this.identity.id, instanceUids: chunk, push } satisfies AssignmentNotification),
    );
    // A push answered before its targets were read was recorded then (recordPush): its counts are added.
    await this.dataSource.query(
      `WITH recorded AS (
         INSERT INTO configuration_pushes (id, configuration_id, version, targeted, forwarded)
         VALUES ($3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET targeted = EXCLUDED.targeted, forwarded = EXCLUDED.forwarded)
       SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload`,
      [ASSIGNMENT_CHANNEL, payloads, push.pushId, push.configurationId, push.version, targeted, instanceUids.length],
    );
  }

  /** Records a push before its targets are known (an answer that does not wait); startPush completes it. */
  async recordPush(push: ForwardedPush): Promise<void> {
    await this.dataSource.query(
      'INSERT INTO configuration_pushes (id, configuration_id, version) VALUES ($1, $2, $3)',
      [push.pushId, push.configurationId, push.version],
    );
  }

  /** Why a push that was answered before it was carried out did not complete. */
  async failPush(pushId: string, error: string): Promise<void> {
    await this.dataSource.query('UPDATE configuration_pushes SET error = $2 WHERE id = $1', [pushId, error]);
  }

  /** Wakes the other instances about agents whose desired state changed (when the write did not). */
  async notifyChanged(instanceUids: string[]): Promise<void> {
    if (instanceUids.length === 0) {
      return;
    }
    const payloads = chunkUids(instanceUids).map((chunk) =>
      JSON.stringify({ origin: this.identity.id, instanceUids: chunk } satisfies AssignmentNotification),
    );
    await this.dataSource.query('SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload', [
      ASSIGNMENT_CHANNEL,
      payloads,
    ]);
  }

  /** What the pushing instance did with its own agents. */
  async finishPush(pushId: string, sent: number, skipped: number): Promise<void> {
    await this.dataSource.query('UPDATE configuration_pushes SET sent = $2, skipped = $3 WHERE id = $1', [
      pushId,
      sent,
      skipped,
    ]);
  }

  /** An explicit push of this configuration, or null (unknown id, or a push the server made itself). */
  async findPush(configurationId: string, pushId: string): Promise<PushRecord | null> {
    const rows: Array<{
      version: number;
      targeted: number | null;
      forwarded: number | null;
      sent: number | null;
      skipped: number | null;
      error: string | null;
      created_at: Date;
    }> = await this.dataSource.query(
      `SELECT version, targeted, forwarded, sent, skipped, error, created_at
       FROM configuration_pushes WHERE id = $1 AND configuration_id = $2`,
      [pushId, configurationId],
    );
    const row = rows[0];
    return row
      ? {
          version: row.version,
          targeted: row.targeted,
          forwarded: row.forwarded,
          sent: row.sent,
          skipped: row.skipped,
          error: row.error,
          createdAt: row.created_at,
        }
      : null;
  }

  async agentExists(instanceUid: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query('SELECT 1 FROM agents WHERE instance_uid = $1', [instanceUid]);
    return rows.length > 0;
  }
}
