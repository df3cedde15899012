import type { DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';

/** Options shared by the running app and the migration CLI; `synchronize` is never on. */
export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrations,
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    extra: { max: 20, application_name: 'opamp-platform' },
  };
}
