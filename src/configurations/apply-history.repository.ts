import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApplyRecordEntity, type ApplyStatus } from './apply-record.entity.js';

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

const OPEN: ApplyStatus[] = ['pending', 'applying'];

@Injectable()
export class ApplyHistoryRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insertPending(records: NewApplyRecord[]): Promise<void> {
    const repo = this.dataSource.getRepository(ApplyRecordEntity);
    // Chunks keep each INSERT under PostgreSQL's 65,535 bind parameters on big fleets.
    for (let i = 0; i < records.length; i += 1000) {
      await repo.insert(records.slice(i, i + 1000).map((r) => repo.create({ ...r, status: 'pending' })));
    }
  }

  /** Records an offer unless the agent already has an open one for that hash (repeated offers on heartbeats). */
  async insertPendingUnlessOpen(r: NewApplyRecord): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO configuration_apply_history (configuration_id, version, config_hash, instance_uid, push_id, status)
       SELECT $1, $2, $3, $4, $5, 'pending'
       WHERE NOT EXISTS (
         SELECT 1 FROM configuration_apply_history
         WHERE instance_uid = $4 AND config_hash = $3 AND status IN ('pending', 'applying'))`,
      [r.configurationId, r.version, r.configHash, r.instanceUid, r.pushId],
    );
  }

  /** The agent's newest row, or its newest row for one hash. */
  findLatest(instanceUid: string, configHash?: string): Promise<ApplyRecordEntity | null> {
    return this.dataSource.getRepository(ApplyRecordEntity).findOne({
      where: configHash ? { instanceUid, configHash } : { instanceUid },
      order: { offeredAt: 'DESC' },
    });
  }

  /**
   * Moves the agent's rows for that hash that are still in one of `from` to `to`. Conditional on
   * the current status, so a late or repeated report cannot move a finished row backwards.
   */
  async transition(
    instanceUid: string,
    configHash: string,
    from: ApplyStatus[],
    to: ApplyStatus,
    errorMessage: string | null,
  ): Promise<number> {
    const finished = to === 'applying' || to === 'pending' ? null : new Date();
    const result = await this.dataSource
      .createQueryBuilder()
      .update(ApplyRecordEntity)
      .set({ status: to, errorMessage, updatedAt: new Date(), finishedAt: finished })
      .where('instance_uid = :instanceUid AND config_hash = :configHash AND status IN (:...from)', {
        instanceUid,
        configHash,
        from,
      })
      .execute();
    return result.affected ?? 0;
  }

  /** `transition` for many agents reporting the same hash, in one statement. */
  async transitionMany(
    instanceUids: string[],
    configHash: string,
    from: ApplyStatus[],
    to: ApplyStatus,
  ): Promise<void> {
    if (instanceUids.length === 0) {
      return;
    }
    await this.dataSource.query(
      `UPDATE configuration_apply_history SET status = $3::varchar, updated_at = now(),
         finished_at = CASE WHEN $3::varchar IN ('applying', 'pending') THEN NULL ELSE now() END
       WHERE instance_uid = ANY($1::uuid[]) AND config_hash = $2 AND status = ANY($4::varchar[])`,
      [instanceUids, configHash, to, from],
    );
  }

  async markRolledBack(id: string): Promise<void> {
    await this.dataSource
      .getRepository(ApplyRecordEntity)
      .update({ id, status: 'failed' }, { status: 'rolled_back', updatedAt: new Date() });
  }

  /** Idempotent, so every instance may run it: only rows still open and offered long enough ago move. */
  async expireOpen(timeoutSeconds: number): Promise<number> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(ApplyRecordEntity)
      .set({ status: 'timeout', updatedAt: () => 'now()', finishedAt: () => 'now()' })
      .where('status IN (:...open)', { open: OPEN })
      .andWhere(`offered_at < now() - make_interval(secs => :timeout)`, { timeout: timeoutSeconds })
      .execute();
    return result.affected ?? 0;
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
