import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { idFits, SNAPSHOT_SOURCES } from './audit-snapshots.js';

/** One audit record as stored. */
export interface AuditRecord {
  id: string;
  at: Date;
  actor_type: 'user' | 'agent_key' | 'anonymous';
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  resource: string;
  resource_id: string | null;
  method: string;
  path: string;
  status_code: number;
  outcome: 'success' | 'failure';
  client_ip: string | null;
  request_id: string | null;
  before: unknown;
  after: unknown;
  request: unknown;
}

export type NewAuditRecord = Omit<AuditRecord, 'id' | 'at'>;

export interface AuditFilter {
  actor?: string;
  resource?: string;
  resourceId?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

const COLUMNS = [
  'actor_type',
  'actor_id',
  'actor_name',
  'action',
  'resource',
  'resource_id',
  'method',
  'path',
  'status_code',
  'outcome',
  'client_ip',
  'request_id',
  'before',
  'after',
  'request',
] as const;

/** The append-only audit table: insert, filtered reads, age-based pruning, and resource snapshots. */
@Injectable()
export class AuditRepository {
  private readonly logger = new Logger(AuditRepository.name);

  constructor(private readonly dataSource: DataSource) {}

  async insert(record: NewAuditRecord): Promise<void> {
    const values = COLUMNS.map((column) => {
      const value = record[column];
      return column === 'before' || column === 'after' || column === 'request'
        ? value === null || value === undefined
          ? null
          : JSON.stringify(value)
        : value;
    });
    await this.dataSource.query(
      `INSERT INTO audit_log (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
      values,
    );
  }

  async list(filter: AuditFilter, offset: number, limit: number): Promise<{ items: AuditRecord[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.actor !== undefined) {
      add('actor_name = ?', filter.actor);
    }
    if (filter.resource !== undefined) {
      add('resource = ?', filter.resource);
    }
    if (filter.resourceId !== undefined) {
      add('resource_id = ?', filter.resourceId);
    }
    if (filter.action !== undefined) {
      add('action = ?', filter.action);
    }
    if (filter.from !== undefined) {
      add('at >= ?', filter.from);
    }
    if (filter.to !== undefined) {
      add('at < ?', filter.to);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const [{ count }] = await this.dataSource.query<[{ count: number }]>(
      `SELECT count(*)::int AS count FROM audit_log ${clause}`,
      params,
    );
    const items = await this.dataSource.query<AuditRecord[]>(
      `SELECT * FROM audit_log ${clause} ORDER BY at DESC, id DESC OFFSET $${params.length + 1} LIMIT $${params.length + 2}`,
      [...params, offset, limit],
    );
    return { items, total: count };
  }

  /** Deletes records older than `days`; returns how many went. */
  async prune(days: number): Promise<number> {
    const [, affected] = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM audit_log WHERE at < now() - make_interval(days => $1)`,
      [days],
    );
    return affected;
  }

  /** The current state of a resource for before/after, or null when it has none (or no such row). */
  async snapshot(resource: string, id: string | undefined): Promise<unknown> {
    const source = SNAPSHOT_SOURCES[resource];
    if (!source || id === undefined || !idFits(source, id)) {
      return null;
    }
    try {
      const rows = await this.dataSource.query<Array<{ snapshot: unknown }>>(
        `SELECT ${source.select} AS snapshot FROM ${source.table} t WHERE t.${source.column} = $1`,
        [id],
      );
      return rows[0]?.snapshot ?? null;
    } catch (error) {
      // A table another module has not created (yet) must not fail the write being audited.
      this.logger.debug(`No snapshot of ${resource} ${id}: ${(error as Error).message}`);
      return null;
    }
  }
}
