import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository, type SelectQueryBuilder } from 'typeorm';
import { LOCK_IN_ORDER } from './agent-row-locks.js';
import type { AgentLabelSources } from './label-set.js';
import { AgentEntity, type AgentStatus, type DriftState } from './agent.entity.js';

const SORT_PROPERTIES = {
  last_seen_at: 'a.lastSeenAt',
  first_seen_at: 'a.firstSeenAt',
  agent_name: 'a.agentName',
  host_name: 'a.hostName',
  status: 'a.status',
} as const;
export type AgentSort = keyof typeof SORT_PROPERTIES;
export const AGENT_SORTS = Object.keys(SORT_PROPERTIES) as AgentSort[];

export interface AgentFilter {
  status?: AgentStatus;
  drift?: DriftState;
  /** Every pair must match the agent's label set (see agentLabelSet). */
  selector?: Record<string, string>;
  /** Case-insensitive substring of name, host, version or instance uid. */
  text?: string;
  sort: AgentSort;
  order: 'ASC' | 'DESC';
  offset: number;
  limit: number;
}

export interface AgentStats {
  total: number;
  by_status: Record<string, number>;
  by_version: Record<string, number>;
  by_health: Record<string, number>;
  by_drift: Record<string, number>;
}

@Injectable()
export class AgentsRepository {
  constructor(
    @InjectRepository(AgentEntity) private readonly repo: Repository<AgentEntity>,
    private readonly dataSource: DataSource,
  ) {}

  list(filter: AgentFilter): Promise<[AgentEntity[], number]> {
    const query = this.repo.createQueryBuilder('a');
    this.applyFilter(query, filter);
    return query
      .orderBy(SORT_PROPERTIES[filter.sort], filter.order, 'NULLS LAST')
      .addOrderBy('a.instanceUid', 'ASC')
      .skip(filter.offset)
      .take(filter.limit)
      .getManyAndCount();
  }

  findById(instanceUid: string): Promise<AgentEntity | null> {
    return this.repo.findOneBy({ instanceUid });
  }

  async setLabels(instanceUid: string, labels: Record<string, string>): Promise<AgentEntity | null> {
    await this.repo.update({ instanceUid }, { labels, updatedAt: new Date() });
    return this.findById(instanceUid);
  }

  /** What the label sets of these agents are made of (agents without a row are absent). */
  async findLabelSources(instanceUids: string[]): Promise<Map<string, AgentLabelSources>> {
    const rows = await this.dataSource.query<
      Array<{
        instance_uid: string;
        identifying_attributes: Record<string, string>;
        non_identifying_attributes: Record<string, string>;
        labels: Record<string, string>;
      }>
    >(
      `SELECT instance_uid, identifying_attributes, non_identifying_attributes, labels
         FROM agents WHERE instance_uid = ANY($1::uuid[])`,
      [instanceUids],
    );
    return new Map(
      rows.map((r) => [
        r.instance_uid,
        {
          identifyingAttributes: r.identifying_attributes,
          nonIdentifyingAttributes: r.non_identifying_attributes,
          labels: r.labels,
        },
      ]),
    );
  }

  /** Deletes the agent only while it is offline; returns whether a row went. */
  async deleteOffline(instanceUid: string): Promise<boolean> {
    const result = await this.repo.delete({ instanceUid, status: 'offline' });
    return (result.affected ?? 0) > 0;
  }

  async stats(): Promise<AgentStats> {
    const rows = await this.dataSource.query<Array<{ dim: string; key: string; n: number }>>(`
      SELECT 'status' AS dim, status AS key, count(*)::int AS n FROM agents GROUP BY status
      UNION ALL SELECT 'version', coalesce(agent_version, 'unknown'), count(*)::int FROM agents GROUP BY 2
      UNION ALL SELECT 'health', CASE WHEN healthy IS NULL THEN 'unknown' WHEN healthy THEN 'healthy'
        ELSE 'unhealthy' END, count(*)::int FROM agents GROUP BY 2
      UNION ALL SELECT 'drift', drift_status, count(*)::int FROM agents GROUP BY 2`);
    const stats: AgentStats = {
      total: 0,
      by_status: { online: 0, offline: 0 },
      by_version: {},
      by_health: {},
      by_drift: { in_sync: 0, drifted: 0, unknown: 0, pending: 0 },
    };
    for (const row of rows) {
      if (row.dim === 'status') {
        stats.by_status[row.key] = row.n;
        stats.total += row.n;
      } else if (row.dim === 'drift') {
        stats.by_drift[row.key] = row.n;
      } else {
        (row.dim === 'version' ? stats.by_version : stats.by_health)[row.key] = row.n;
      }
    }
    return stats;
  }

  /** At start: the agents this instance held before it stopped are not connected any more. */
  async markInstanceOffline(instanceId: string): Promise<number> {
    const [, affected] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE agents SET status = 'offline', disconnected_at = now(), updated_at = now()
       WHERE instance_uid IN (${LOCK_IN_ORDER("SELECT instance_uid FROM agents WHERE instance_id = $1 AND status = 'online'")})
         AND instance_id = $1 AND status = 'online'`,
      [instanceId],
    );
    return affected;
  }

  /**
   * Marks offline the agents nobody has heard from for `silentSeconds`, except WebSocket agents
   * of an instance that is alive (its socket keepalive speaks for them). One idempotent
   * statement, so every instance may run it.
   */
  async sweepSilent(silentSeconds: number, instanceAliveSeconds: number): Promise<string[]> {
    // Rows another transaction is writing right now (a heartbeat landing) are skipped, not waited
    // for: the next sweep looks again. The rest are locked in instance_uid order like every
    // multi-row write on agents, and the conditions hold again on the locked rows.
    const silent = `status = 'online' AND last_seen_at < now() - make_interval(secs => $1)
      AND NOT (transport = 'websocket' AND instance_id IN (
        SELECT id FROM server_instances WHERE heartbeat_at > now() - make_interval(secs => $2)))`;
    const rows = await this.dataSource.query<[Array<{ instance_uid: string }>, number]>(
      `UPDATE agents SET status = 'offline', disconnected_at = now(), updated_at = now()
       WHERE instance_uid IN (
         SELECT instance_uid FROM agents WHERE ${silent}
         ORDER BY instance_uid FOR NO KEY UPDATE SKIP LOCKED)
         AND ${silent}
       RETURNING instance_uid`,
      [silentSeconds, instanceAliveSeconds],
    );
    return rows[0].map((row) => row.instance_uid);
  }

  async heartbeatInstance(id: string, opampUrl: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO server_instances (id, opamp_url) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), opamp_url = EXCLUDED.opamp_url`,
      [id, opampUrl],
    );
  }

  private applyFilter(query: SelectQueryBuilder<AgentEntity>, filter: AgentFilter): void {
    if (filter.status) {
      query.andWhere('a.status = :status', { status: filter.status });
    }
    if (filter.drift) {
      query.andWhere('a.drift_status = :drift', { drift: filter.drift });
    }
    // Same precedence as agentLabelSet: labels, then non-identifying, then identifying attributes.
    Object.entries(filter.selector ?? {}).forEach(([key, value], i) => {
      query.andWhere(
        `COALESCE(a.labels ->> :k${i}, a.non_identifying_attributes ->> :k${i}, a.identifying_attributes ->> :k${i}) = :v${i}`,
        { [`k${i}`]: key, [`v${i}`]: value },
      );
    });
    if (filter.text) {
      const like = `%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query.andWhere(
        '(a.agent_name ILIKE :like OR a.host_name ILIKE :like OR a.agent_version ILIKE :like OR a.instance_uid::text ILIKE :like)',
        { like },
      );
    }
  }
}
