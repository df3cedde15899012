import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ConfigurationVersionEntity } from './configuration-version.entity.js';

/** SQL of configuration_history. Writes take the caller's transaction; reads default to the pool. */
@Injectable()
export class ConfigHistoryRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, values: Omit<ConfigurationVersionEntity, 'id' | 'createdAt'>): Promise<void> {
    const repo = manager.getRepository(ConfigurationVersionEntity);
    await repo.insert(repo.create(values));
  }

  findVersion(
    configurationId: string,
    version: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ConfigurationVersionEntity | null> {
    return manager.getRepository(ConfigurationVersionEntity).findOneBy({ configurationId, version });
  }

  list(configurationId: string, offset: number, limit: number): Promise<[ConfigurationVersionEntity[], number]> {
    return this.dataSource
      .getRepository(ConfigurationVersionEntity)
      .findAndCount({ where: { configurationId }, order: { version: 'DESC' }, skip: offset, take: limit });
  }
}
