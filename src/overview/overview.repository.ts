import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface CountRow {
  key: string | null;
  count: number;
}

export interface ConfigurationStateRow {
  configuration: string | null;
  state: string | null;
  count: number;
}

export interface FailureRow {
  agent_id: string;
  agent_name: string | null;
  configuration: string;
  version: number;
  status: string;
  error_message: string | null;
  at: Date;
}

export interface SampleRow {
  at: Date;
  online: number;
  offline: number;
}

/** Aggregate reads for the fleet overview, and the minute samples of online/offline agents. */
@Injectable()
export class OverviewRepository {
  private readonly logger = new Logger('Overview');

  constructor(private readonly dataSource: DataSource) {}

  /** Records this minute's counts once for the cluster (the first instance of the minute wins). */
  async sample(): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO fleet_samples (at, online, offline)
       SELECT date_trunc('minute', now()), count(*) FILTER (WHERE status = 'online'), count(*) FILTER (WHERE status = 'offline')
         FROM agents
       ON CONFLICT (at) DO NOTHING`,
    );
    await this.dataSource.query(`DELETE FROM fleet_samples WHERE at < now() - interval '25 hours'`);
  }

  series(hours: number): Promise<SampleRow[]> {
    return this.dataSource.query<SampleRow[]>(
      `SELECT at, online, offline FROM fleet_samples WHERE at >= now() - make_interval(hours => $1) ORDER BY at`,
      [hours],
    );
  }

  countBy(expression: string): Promise<CountRow[]> {
    // `expression` is one of the fixed column expressions of OverviewService, never user input.
    return this.dataSource.query<CountRow[]>(
      `SELECT ${expression} AS key, count(*)::int AS count FROM agents GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 50`,
    );
  }

  configurationStates(): Promise<ConfigurationStateRow[]> {
    return this.dataSource.query<ConfigurationStateRow[]>(
      `SELECT c.name AS configuration, lower(a.remote_config_status) AS state, count(*)::int AS count
         FROM agents a LEFT JOIN configurations c ON c.id = a.assigned_configuration_id
        GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2`,
    );
  }

  recentFailures(limit: number): Promise<FailureRow[]> {
    return this.dataSource.query<FailureRow[]>(
      `SELECT h.instance_uid AS agent_id, a.agent_name, c.name AS configuration, h.version, h.status,
              h.error_message, h.updated_at AS at
         FROM configuration_apply_history h
         JOIN configurations c ON c.id = h.configuration_id
         LEFT JOIN agents a ON a.instance_uid = h.instance_uid
        WHERE h.status IN ('failed', 'timeout')
        ORDER BY h.updated_at DESC LIMIT $1`,
      [limit],
    );
  }

  /** Running rollouts, or null when this deployment has no rollouts table. */
  async runningRollouts(): Promise<Array<Record<string, unknown>> | null> {
    const [{ exists }] = await this.dataSource.query<[{ exists: boolean }]>(
      `SELECT to_regclass('rollouts') IS NOT NULL AS exists`,
    );
    if (!exists) {
      return null;
    }
    try {
      return await this.dataSource
        .query<Array<Record<string, unknown>>>(
          `SELECT to_jsonb(r) AS rollout FROM rollouts r
          WHERE to_jsonb(r) ->> 'status' IN ('running', 'in_progress', 'paused', 'pending')
          ORDER BY 1 LIMIT 20`,
        )
        .then((rows) => rows.map((r) => r.rollout as Record<string, unknown>));
    } catch (error) {
      this.logger.debug(`Could not read rollouts: ${(error as Error).message}`);
      return null;
    }
  }
}
