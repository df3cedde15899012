import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { retryTransient } from '../database/retry.js';
import { ApplyRecordEntity, type ApplyStatus } from './apply-record.entity.js';
import {
  APPLY_TRANSITIONS,
  OFFERED,
  OPEN_STATUSES,
  REPORT_TRANSITIONS,
  reportCondition,
  sqlStatuses,
  type ApplyTransition,
} from './apply-state.js';

export interface ApplyRecordFilter {
  configurationId?: string;
  instanceUid?: string;
  status?: ApplyStatus;
  version?: number;
  pushId?: string;
}

export interface NewApplyRecord {
  configurationId: string;
  version: number;
  configHash: string;
  instanceUid: string;
  pushId: string | null;
}

/** An apply-history row with the name of its configuration, for listings. */
export interface ApplyRecordView extends ApplyRecordEntity {
  configurationName: string;
}

/** An agent's RemoteConfigStatus report, as the apply-history state it moves its rows to. */
export interface StatusReport {
  instanceUid: string;
  configHash: string;
  to: keyof typeof REPORT_TRANSITIONS;
  errorMessage: string | null;
}

const OPEN = sqlStatuses(OPEN_STATUSES);
const { rollBack, timeOut } = APPLY_TRANSITIONS;

export const reportKey = (instanceUid: string, configHash: string): string => `${instanceUid} ${configHash}`;

@Injectable()
export class ApplyHistoryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A batch write over many agents' rows, run again if PostgreSQL broke a deadlock by aborting it. */
  private write<T = unknown>(sql: string, parameters: unknown[]): Promise<T> {
    return retryTransient(() => this.dataSource.query<T>(sql, parameters), 4);
  }

  /**
   * Inserts the offers as `pending` rows, in one statement however many there are. An agent with
   * an open row for the same version keeps that one row (a unique index): it takes the push's id,
   * and its offer time restarts, since the agent was just offered it again.
   */
  async insertPending(records: NewApplyRecord[]): Promise<void> {
    await this.insertOffers(records, false);
  }

  /**
   * Records offers, skipping agents that already have an open row for that hash (offers
   * repeated on heartbeats): one statement for a whole batch of agents.
   */
  async insertPendingUnlessOpen(records: NewApplyRecord[]): Promise<void> {
    await this.insertOffers(records, true);
  }

  private async insertOffers(records: NewApplyRecord[], unlessOpen: boolean): Promise<void> {
    // One row per agent and version per statement (ON CONFLICT cannot touch a row twice).
    // Sorted by agent, as reports are: rows are locked in one order, which keeps deadlocks rare.
    const unique = [
      ...new Map(records.map((r) => [`${r.instanceUid} ${r.configurationId} ${r.version}`, r])).values(),
    ].sort((a, b) => (a.instanceUid < b.instanceUid ? -1 : a.instanceUid > b.instanceUid ? 1 : 0));
    if (unique.length === 0) {
      return;
    }
    // Arrays rather than one parameter per value: no bind-parameter limit, one round trip.
    await this.write(
      `INSERT INTO configuration_apply_history AS h
         (configuration_id, version, config_hash, instance_uid, push_id, status)
       SELECT r.configuration_id, r.version, r.config_hash, r.instance_uid, r.push_id, '${OFFERED}'
       FROM unnest($1::uuid[], $2::int[], $3::text[], $4::uuid[], $5::uuid[])
         AS r(configuration_id, version, config_hash, instance_uid, push_id)
       WHERE NOT $6::boolean OR NOT EXISTS (
         SELECT 1 FROM configuration_apply_history o
         WHERE o.instance_uid = r.instance_uid AND o.config_hash = r.config_hash AND o.status IN (${OPEN}))
       ON CONFLICT (instance_uid, configuration_id, version) WHERE status IN (${OPEN})
       DO UPDATE SET push_id = EXCLUDED.push_id, offered_at = now(), updated_at = now()
         WHERE EXCLUDED.push_id IS NOT NULL`,
      [
        unique.map((r) => r.configurationId),
        unique.map((r) => r.version),
        unique.map((r) => r.configHash),
        unique.map((r) => r.instanceUid),
        unique.map((r) => r.pushId),
        unlessOpen,
      ],
    );
  }

  /**
   * Applies many agents' reports in one statement: each moves that agent's rows for the hash
   * forward as REPORT_TRANSITIONS allows, never backwards, so a late or repeated report changes nothing. Give at most one
   * report per agent and hash. Returns "uid hash" of every report that moved a row.
   */
  async transitionReports(reports: StatusReport[]): Promise<Set<string>> {
    if (reports.length === 0) {
      return new Set();
    }
    reports = [...reports].sort((a, b) => (a.instanceUid < b.instanceUid ? -1 : a.instanceUid > b.instanceUid ? 1 : 0));
    const [rows] = await this.write<[Array<{ instance_uid: string; config_hash: string }>, number]>(
      `UPDATE configuration_apply_history h
       SET status = r.next, error_message = r.error, updated_at = now(),
           finished_at = CASE WHEN r.next IN (${OPEN}) THEN NULL ELSE now() END
       FROM unnest($1::uuid[], $2::text[], $3::varchar[], $4::text[]) AS r(instance_uid, config_hash, next, error)
       WHERE h.instance_uid = r.instance_uid AND h.config_hash = r.config_hash
         AND (${reportCondition('h', 'r.next')})
       RETURNING h.instance_uid, h.config_hash`,
      [
        reports.map((r) => r.instanceUid),
        reports.map((r) => r.configHash),
        reports.map((r) => REPORT_TRANSITIONS[r.to].to),
        reports.map((r) => r.errorMessage),
      ],
    );
    return new Set(rows.map((row) => reportKey(row.instance_uid, row.config_hash.trim())));
  }

  /**
   * For agents that report APPLIED for a hash they have no open offer for: where their newest row
   * is a FAILED offer of another hash, they went back to their previous config, and that row
   * becomes `rolled_back`. One statement for the batch.
   */
  async markRolledBack(applied: Array<{ instanceUid: string; configHash: string }>): Promise<void> {
    if (applied.length === 0) {
      return;
    }
    await this.write(
      `WITH reported AS (
         SELECT * FROM unnest($1::uuid[], $2::text[]) AS r(instance_uid, config_hash)
       ), latest AS (
         SELECT DISTINCT ON (h.instance_uid) h.id, h.instance_uid, h.status, h.config_hash
         FROM configuration_apply_history h
         WHERE h.instance_uid IN (SELECT instance_uid FROM reported)
         ORDER BY h.instance_uid, h.offered_at DESC, h.id
       )
       UPDATE configuration_apply_history h SET status = '${rollBack.to}', updated_at = now()
       FROM latest JOIN reported ON reported.instance_uid = latest.instance_uid
       WHERE h.id = latest.id AND latest.status IN (${sqlStatuses(rollBack.from)})
         AND latest.config_hash <> reported.config_hash`,
      [applied.map((a) => a.instanceUid), applied.map((a) => a.configHash)],
    );
  }

  /** A rollout gave these agents their previous version back: their rows for `configHash` say why. */
  async recordRollback(configurationId: string, configHash: string, instanceUids: string[], reason: string) {
    const revert = APPLY_TRANSITIONS.revertedByRollout;
    await this.write(
      `UPDATE configuration_apply_history
       SET status = '${revert.to}', error_message = $4, updated_at = now(), finished_at = COALESCE(finished_at, now())
       WHERE configuration_id = $1 AND config_hash = $2 AND instance_uid = ANY($3::uuid[])
         AND status IN (${sqlStatuses(revert.from)})`,
      [configurationId, configHash, instanceUids, reason],
    );
  }

  /** Moves many agents' rows for one hash through `transition`, in one statement. */
  async transitionMany(instanceUids: string[], configHash: string, transition: ApplyTransition): Promise<void> {
    if (instanceUids.length === 0) {
      return;
    }
    await this.write(
      `UPDATE configuration_apply_history SET status = $3::varchar, updated_at = now(),
         finished_at = CASE WHEN $3::varchar IN (${OPEN}) THEN NULL ELSE now() END
       WHERE instance_uid = ANY($1::uuid[]) AND config_hash = $2 AND status = ANY($4::varchar[])`,
      [instanceUids, configHash, transition.to, transition.from],
    );
  }

  /** Idempotent, so every instance may run it: only rows still open and offered long enough ago move. */
  async expireOpen(timeoutSeconds: number): Promise<number> {
    // Rows an agent's report is moving right now are skipped (that report decides them).
    const expired = `status IN (${sqlStatuses(timeOut.from)}) AND offered_at < now() - make_interval(secs => $1)`;
    const [, affected] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE configuration_apply_history SET status = '${timeOut.to}', updated_at = now(), finished_at = now()
       WHERE id IN (
         SELECT id FROM configuration_apply_history WHERE ${expired} ORDER BY id FOR NO KEY UPDATE SKIP LOCKED)
         AND ${expired}`,
      [timeoutSeconds],
    );
    return affected;
  }

  async list(filter: ApplyRecordFilter, offset: number, limit: number): Promise<[ApplyRecordView[], number]> {
    const query = this.dataSource
      .getRepository(ApplyRecordEntity)
      .createQueryBuilder('r')
      .innerJoin('configurations', 'c', 'c.id = r.configuration_id')
      .addSelect('c.name', 'configuration_name')
      .orderBy('r.offered_at', 'DESC')
      .addOrderBy('r.id', 'ASC')
      .offset(offset)
      .limit(limit);
    applyFilter(query, filter);
    const [{ entities, raw }, total] = await Promise.all([query.getRawAndEntities(), query.getCount()]);
    const views = entities.map((entity, i) => ({
      ...entity,
      configurationName: (raw[i] as { configuration_name: string }).configuration_name,
    }));
    return [views, total];
  }

  /** Rows per status; with `latestPerAgent`, only each agent's newest row counts. */
  async countByStatus(filter: ApplyRecordFilter, latestPerAgent: boolean): Promise<Record<string, number>> {
    const inner = this.dataSource.getRepository(ApplyRecordEntity).createQueryBuilder('r');
    applyFilter(inner, filter);
    if (latestPerAgent) {
      inner.distinctOn(['r.instance_uid']).orderBy('r.instance_uid').addOrderBy('r.offered_at', 'DESC');
    }
    inner.select(['r.status AS status', 'r.instance_uid AS instance_uid']);
    const rows: Array<{ status: string; count: string }> = await this.dataSource
      .createQueryBuilder()
      .select('s.status', 'status')
      .addSelect('count(*)', 'count')
      .from(`(${inner.getQuery()})`, 's')
      .setParameters(inner.getParameters())
      .groupBy('s.status')
      .getRawMany();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }
}

function applyFilter(
  query: ReturnType<ReturnType<DataSource['getRepository']>['createQueryBuilder']>,
  filter: ApplyRecordFilter,
): void {
  if (filter.configurationId) {
    query.andWhere('r.configuration_id = :configurationId', { configurationId: filter.configurationId });
  }
  if (filter.instanceUid) {
    query.andWhere('r.instance_uid = :instanceUid', { instanceUid: filter.instanceUid });
  }
  if (filter.status) {
    query.andWhere('r.status = :status', { status: filter.status });
  }
  if (filter.version !== undefined) {
    query.andWhere('r.version = :version', { version: filter.version });
  }
  if (filter.pushId) {
    query.andWhere('r.push_id = :pushId', { pushId: filter.pushId });
  }
}
