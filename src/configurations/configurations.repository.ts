import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { InstanceIdentity } from '../agents/instance-identity.js';
import { retryTransient } from '../database/retry.js';
import { AssignmentStore, CONFIGURATION_WRITE_LOCK } from './assignment.store.js';
import { ConfigurationEntity } from './configuration.entity.js';

export interface ConfigurationListFilter {
  nameContains?: string;
  selectorContains?: Record<string, string>;
}

/** The configuration operations available inside a write transaction. */
export class ConfigurationStore {
  constructor(private readonly manager: EntityManager) {}

  /** The live configuration of that name (case-insensitive); `lock` holds its row until commit. */
  findLiveByName(name: string, lock = false): Promise<ConfigurationEntity | null> {
    const query = this.manager
      .getRepository(ConfigurationEntity)
      .createQueryBuilder('c')
      .where('lower(c.name) = lower(:name) AND c.deletedAt IS NULL', { name });
    return (lock ? query.setLock('pessimistic_write') : query).getOne();
  }

  insert(values: Omit<ConfigurationEntity, 'id' | 'createdAt' | 'updatedAt'>): Promise<ConfigurationEntity> {
    const repo = this.manager.getRepository(ConfigurationEntity);
    return repo.save(repo.create(values));
  }

  save(entity: ConfigurationEntity): Promise<ConfigurationEntity> {
    return this.manager.getRepository(ConfigurationEntity).save(entity);
  }

  async softDelete(id: string, by: string): Promise<void> {
    await this.manager.getRepository(ConfigurationEntity).update({ id }, { deletedAt: new Date(), deletedBy: by });
  }
}

/** What a write transaction can touch: configurations, agents' assignments (and, through `manager`, history). */
export interface ConfigurationWriteTx {
  /** The transaction itself, for other modules' writes that must commit with it (history rows). */
  manager: EntityManager;
  configurations: ConfigurationStore;
  assignments: AssignmentStore;
}

@Injectable()
export class ConfigurationsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly identity: InstanceIdentity,
  ) {}

  /**
   * Runs `work` in one transaction holding the configuration write lock; again from the start
   * if PostgreSQL aborted it to break a deadlock with agents' writes.
   */
  write<T>(work: (tx: ConfigurationWriteTx) => Promise<T>): Promise<T> {
    return retryTransient(() =>
      this.dataSource.transaction(async (manager) => {
        await manager.query('SELECT pg_advisory_xact_lock($1)', [CONFIGURATION_WRITE_LOCK]);
        return work({
          manager,
          configurations: new ConfigurationStore(manager),
          assignments: new AssignmentStore(manager, this.identity.id),
        });
      }),
    );
  }

  findLiveByName(name: string): Promise<ConfigurationEntity | null> {
    return new ConfigurationStore(this.dataSource.manager).findLiveByName(name);
  }

  /** The live configuration of that name, or else the most recently deleted one (its history stays readable). */
  findLatestByName(name: string): Promise<ConfigurationEntity | null> {
    return this.dataSource
      .getRepository(ConfigurationEntity)
      .createQueryBuilder('c')
      .where('lower(c.name) = lower(:name)', { name })
      .orderBy('(c.deleted_at IS NULL)', 'DESC')
      .addOrderBy('c.created_at', 'DESC')
      .limit(1)
      .getOne();
  }

  list(filter: ConfigurationListFilter, offset: number, limit: number): Promise<[ConfigurationEntity[], number]> {
    const query = this.dataSource
      .getRepository(ConfigurationEntity)
      .createQueryBuilder('c')
      .where('c.deletedAt IS NULL')
      .orderBy('lower(c.name)', 'ASC')
      .skip(offset)
      .take(limit);
    if (filter.nameContains) {
      const pattern = `%${filter.nameContains.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      query.andWhere('c.name ILIKE :pattern', { pattern });
    }
    if (filter.selectorContains && Object.keys(filter.selectorContains).length > 0) {
      query.andWhere('c.selector @> :selector::jsonb', { selector: JSON.stringify(filter.selectorContains) });
    }
    return query.getManyAndCount();
  }

  /** Live configurations by id, for building offers. */
  findLiveByIds(ids: string[]): Promise<ConfigurationEntity[]> {
    if (ids.length === 0) {
      return Promise.resolve([]);
    }
    return this.dataSource
      .getRepository(ConfigurationEntity)
      .createQueryBuilder('c')
      .where('c.id IN (:...ids) AND c.deletedAt IS NULL', { ids })
      .getMany();
  }
}
