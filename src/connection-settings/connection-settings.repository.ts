import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { hexHashes } from '../common/interner.js';
import type { SettingsPart, TelemetryKind } from './desired-settings.js';

/** A destination as stored: header values encrypted (see HeaderCipher). */
export interface StoredDestination {
  destination_endpoint: string;
  headers: Array<{ key: string; value_enc: string }>;
}

export interface ConnectionSettingsRow {
  id: string;
  name: string;
  selector: Record<string, string>;
  priority: number;
  own_metrics: StoredDestination | null;
  own_traces: StoredDestination | null;
  own_logs: StoredDestination | null;
  created_at: Date;
  updated_at: Date;
}

export type RuleFields = Pick<ConnectionSettingsRow, 'name' | 'selector' | 'priority' | TelemetryKind>;

/** What the server last offered an agent (hex hashes), as remembered across restarts and instances. */
export interface HeldSettings {
  hash: string | null;
  parts: Partial<Record<SettingsPart, string>> | null;
}

const COLUMNS = 'id, name, selector, priority, own_metrics, own_traces, own_logs, created_at, updated_at';
const UNIQUE_VIOLATION = '23505';

@Injectable()
export class ConnectionSettingsRepository {
  constructor(private readonly dataSource: DataSource) {}

  list(): Promise<ConnectionSettingsRow[]> {
    return this.dataSource.query(`SELECT ${COLUMNS} FROM connection_settings ORDER BY priority DESC, created_at, name`);
  }

  async findByName(name: string): Promise<ConnectionSettingsRow | undefined> {
    const rows = await this.dataSource.query<ConnectionSettingsRow[]>(
      `SELECT ${COLUMNS} FROM connection_settings WHERE name = $1`,
      [name],
    );
    return rows[0];
  }

  /** Inserts, or returns undefined when the name is taken. */
  async insert(fields: RuleFields): Promise<ConnectionSettingsRow | undefined> {
    try {
      const rows = await this.dataSource.query<ConnectionSettingsRow[]>(
        `INSERT INTO connection_settings (name, selector, priority, own_metrics, own_traces, own_logs)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
        params(fields),
      );
      return rows[0];
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        return undefined;
      }
      throw error;
    }
  }

  async update(fields: RuleFields): Promise<ConnectionSettingsRow | undefined> {
    const [rows] = await this.dataSource.query<[ConnectionSettingsRow[], number]>(
      `UPDATE connection_settings
       SET selector = $2, priority = $3, own_metrics = $4, own_traces = $5, own_logs = $6, updated_at = now()
       WHERE name = $1 RETURNING ${COLUMNS}`,
      params(fields),
    );
    return rows[0];
  }

  async delete(name: string): Promise<boolean> {
    const [, count] = await this.dataSource.query<[unknown[], number]>(
      'DELETE FROM connection_settings WHERE name = $1',
      [name],
    );
    return count > 0;
  }

  /** What each of these agents holds (agents without a row hold nothing known). */
  async heldByMany(instanceUids: string[]): Promise<Map<string, HeldSettings>> {
    const rows = await this.dataSource.query<Array<{ uid: string; hash: Buffer | null; parts: HeldSettings['parts'] }>>(
      `SELECT instance_uid AS uid, connection_settings_hash AS hash, connection_settings_parts AS parts
       FROM agents WHERE instance_uid = ANY($1::uuid[])`,
      [instanceUids],
    );
    return new Map(
      rows.map((row) => [
        row.uid,
        { hash: row.hash ? hexHashes.of(row.hash.toString('hex')) : null, parts: row.parts },
      ]),
    );
  }

  /**
   * Records offers about to be made and returns the agents whose stored hash actually changed:
   * when two instances see the same agent (HTTP polls spread over instances), only one offers.
   */
  async claimOffers(
    offers: Array<{ instanceUid: string; hash: string; parts: HeldSettings['parts'] }>,
  ): Promise<Set<string>> {
    if (offers.length === 0) {
      return new Set();
    }
    // An UPDATE ... RETURNING answers [rows, count] through TypeORM.
    const [rows] = await this.dataSource.query<[Array<{ instance_uid: string }>, number]>(
      `UPDATE agents a
       SET connection_settings_hash = v.hash, connection_settings_parts = v.parts
       FROM unnest($1::uuid[], $2::bytea[], $3::jsonb[]) AS v (uid, hash, parts)
       WHERE a.instance_uid = v.uid AND a.connection_settings_hash IS DISTINCT FROM v.hash
       RETURNING a.instance_uid`,
      [
        offers.map((o) => o.instanceUid),
        offers.map((o) => Buffer.from(o.hash, 'hex')),
        offers.map((o) => JSON.stringify(o.parts)),
      ],
    );
    return new Set(rows.map((row) => row.instance_uid));
  }

  /** What the agent reported (ReportsConnectionSettingsStatus); the hash it holds becomes the one we remember. */
  async recordStatus(
    instanceUid: string,
    status: string,
    error: string | null,
    held: { hash: string; parts: HeldSettings['parts'] } | null,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE agents SET connection_settings_status = $2, connection_settings_error = $3,
         connection_settings_hash = COALESCE($4, connection_settings_hash),
         connection_settings_parts = CASE WHEN $4::bytea IS NULL THEN connection_settings_parts ELSE $5::jsonb END
       WHERE instance_uid = $1`,
      [
        instanceUid,
        status,
        error,
        held ? Buffer.from(held.hash, 'hex') : null,
        held ? JSON.stringify(held.parts) : null,
      ],
    );
  }
}

function params(fields: RuleFields): unknown[] {
  const json = (value: StoredDestination | null) => (value === null ? null : JSON.stringify(value));
  return [
    fields.name,
    JSON.stringify(fields.selector),
    fields.priority,
    json(fields.own_metrics),
    json(fields.own_traces),
    json(fields.own_logs),
  ];
}
