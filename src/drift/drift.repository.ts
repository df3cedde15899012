import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { DriftState } from '../agents/agent.entity.js';
import { LOCK_IN_ORDER } from '../agents/agent-row-locks.js';
import type { ConfigEntry } from '../redaction/secret-redactor.js';

/** What a drift computation reads of one agent. */
export interface DriftInputs {
  instance_uid: string;
  capabilities: number;
  effective_config: Record<string, ConfigEntry> | null;
  remote_config_hash: string | null;
  remote_config_status: string | null;
  configuration_id: string | null;
  configuration_name: string | null;
  version: number | null;
  desired_config_hash: string | null;
}

export interface DriftResult {
  instance_uid: string;
  drift_status: DriftState;
  drift_paths: string[] | null;
}

@Injectable()
export class DriftRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * `effective_config` is null for the agents in `effectiveHeld`: the caller has their latest
   * effective config, and a fleet's would be kilobytes of JSON per agent parsed for nothing.
   */
  inputs(instanceUids: string[], effectiveHeld: string[] = []): Promise<DriftInputs[]> {
    return this.dataSource.query<DriftInputs[]>(
      `SELECT a.instance_uid, a.capabilities::float8 AS capabilities,
              CASE WHEN a.instance_uid = ANY($2::uuid[]) THEN NULL ELSE a.effective_config END AS effective_config,
              a.remote_config_hash, a.remote_config_status, a.assigned_configuration_id AS configuration_id,
              c.name AS configuration_name, a.assigned_config_version AS version, a.desired_config_hash
       FROM agents a LEFT JOIN configurations c ON c.id = a.assigned_configuration_id
       WHERE a.instance_uid = ANY($1::uuid[])`,
      [instanceUids, effectiveHeld],
    );
  }

  /** Writes the results; returns the agents whose state or paths changed. */
  async save(results: DriftResult[]): Promise<string[]> {
    if (results.length === 0) {
      return [];
    }
    const [rows] = await this.dataSource.query<[Array<{ instance_uid: string; changed: boolean }>, number]>(
      `WITH r AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(instance_uid uuid, drift_status varchar, drift_paths jsonb)),
       old AS (SELECT a.instance_uid, a.drift_status, a.drift_paths FROM agents a
               WHERE a.instance_uid IN (${LOCK_IN_ORDER('SELECT instance_uid FROM r')}))
       UPDATE agents a SET drift_status = r.drift_status, drift_paths = r.drift_paths, drift_checked_at = now()
       FROM r JOIN old ON old.instance_uid = r.instance_uid
       WHERE a.instance_uid = r.instance_uid
       RETURNING a.instance_uid, (old.drift_status IS DISTINCT FROM r.drift_status
         OR old.drift_paths IS DISTINCT FROM r.drift_paths) AS changed`,
      [JSON.stringify(results)],
    );
    return rows.filter((row) => row.changed).map((row) => row.instance_uid);
  }

  async countsByState(): Promise<Record<string, number>> {
    const rows = await this.dataSource.query<Array<{ state: string; n: number }>>(
      'SELECT drift_status AS state, count(*)::int AS n FROM agents GROUP BY 1',
    );
    return Object.fromEntries(rows.map((row) => [row.state, row.n]));
  }

  async checkedAt(
    instanceUid: string,
  ): Promise<{ drift_status: DriftState; drift_checked_at: Date | null } | undefined> {
    const rows = await this.dataSource.query<Array<{ drift_status: DriftState; drift_checked_at: Date | null }>>(
      'SELECT drift_status, drift_checked_at FROM agents WHERE instance_uid = $1',
      [instanceUid],
    );
    return rows[0];
  }
}
