import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { RolloutPolicy } from '../rollout-policy.js';
import type { DefaultPolicyMatch } from './effective-rollout-policy.js';

/** A default rollout policy as stored. */
export interface DefaultRolloutPolicy extends DefaultPolicyMatch {
  id: string;
  description: string;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Fields a write sets. */
export interface DefaultRolloutPolicyFields {
  name: string;
  description: string;
  selector: Record<string, string>;
  policy: RolloutPolicy;
  priority: number;
}

interface Row {
  id: string;
  name: string;
  description: string;
  selector: Record<string, string>;
  policy: RolloutPolicy;
  priority: number;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

function toPolicy(row: Row): DefaultRolloutPolicy {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    selector: row.selector,
    policy: row.policy,
    priority: row.priority,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The rows of an UPDATE/INSERT ... RETURNING (TypeORM answers some as [rows, count]). */
function returned(result: unknown): Row[] {
  return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as Row[];
}

const UNIQUE_VIOLATION = '23505';

/** Default rollout policies in PostgreSQL; names are unique regardless of case. */
@Injectable()
export class DefaultRolloutPoliciesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async list(offset: number, limit: number): Promise<[DefaultRolloutPolicy[], number]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT * FROM default_rollout_policies ORDER BY priority DESC, created_at ASC, lower(name) ASC
       LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
    const count: Array<{ count: number }> = await this.dataSource.query(
      'SELECT count(*)::int AS count FROM default_rollout_policies',
    );
    return [rows.map(toPolicy), count[0].count];
  }

  async findByName(name: string): Promise<DefaultRolloutPolicy | null> {
    const rows: Row[] = await this.dataSource.query(
      'SELECT * FROM default_rollout_policies WHERE lower(name) = lower($1)',
      [name],
    );
    return rows[0] ? toPolicy(rows[0]) : null;
  }

  /** Null when the name is taken. */
  async insert(fields: DefaultRolloutPolicyFields, by: string): Promise<DefaultRolloutPolicy | null> {
    return this.uniqueName(async () =>
      returned(
        await this.dataSource.query(
          `INSERT INTO default_rollout_policies (name, description, selector, policy, priority, created_by)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
          [
            fields.name,
            fields.description,
            JSON.stringify(fields.selector),
            JSON.stringify(fields.policy),
            fields.priority,
            by,
          ],
        ),
      ),
    );
  }

  /** Null when no policy has that name. */
  async update(name: string, fields: DefaultRolloutPolicyFields): Promise<DefaultRolloutPolicy | null> {
    const rows = returned(
      await this.dataSource.query(
        `UPDATE default_rollout_policies
         SET description = $2, selector = $3, policy = $4, priority = $5, updated_at = now()
         WHERE lower(name) = lower($1) RETURNING *`,
        [name, fields.description, JSON.stringify(fields.selector), JSON.stringify(fields.policy), fields.priority],
      ),
    );
    return rows[0] ? toPolicy(rows[0]) : null;
  }

  async delete(name: string): Promise<boolean> {
    return (
      returned(
        await this.dataSource.query('DELETE FROM default_rollout_policies WHERE lower(name) = lower($1) RETURNING *', [
          name,
        ]),
      ).length > 0
    );
  }

  /**
   * The default policy for a configuration: the highest priority (then the oldest, then the name)
   * whose selector matches at least one agent assigned it. Reads inside the caller's transaction
   * when given one, so a save decides on the assignment it just wrote.
   */
  async matchFor(configurationId: string, manager?: EntityManager): Promise<DefaultRolloutPolicy | null> {
    const rows: Row[] = await (manager ?? this.dataSource.manager).query(
      `SELECT p.* FROM default_rollout_policies p
       WHERE EXISTS (
         SELECT 1 FROM agents a
         WHERE a.assigned_configuration_id = $1
           AND (a.identifying_attributes || a.non_identifying_attributes || a.labels) @> p.selector)
       ORDER BY p.priority DESC, p.created_at ASC, lower(p.name) ASC
       LIMIT 1`,
      [configurationId],
    );
    return rows[0] ? toPolicy(rows[0]) : null;
  }

  /** Whether any default policy is stored (a save without one need not look further). */
  async exist(manager?: EntityManager): Promise<boolean> {
    const rows: unknown[] = await (manager ?? this.dataSource.manager).query(
      'SELECT 1 FROM default_rollout_policies LIMIT 1',
    );
    return rows.length > 0;
  }

  private async uniqueName(work: () => Promise<Row[]>): Promise<DefaultRolloutPolicy | null> {
    try {
      const rows = await work();
      return toPolicy(rows[0]);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        return null;
      }
      throw error;
    }
  }
}
