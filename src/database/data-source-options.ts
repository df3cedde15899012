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
    // The migrations generate uuids with gen_random_uuid() (core PostgreSQL since 13): the entities
    // say the same, and TypeORM installs no extension (it would create uuid-ossp, used by nothing).
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    // Under load the pool swung between a few and 20 connections per instance: pg closes one idle
    // for 10 s and the next burst forks a new backend for it. Keep a few for good and the rest for
    // two minutes (longer than a heartbeat interval), so steady load reuses its connections.
    extra: { max: 20, min: 4, idleTimeoutMillis: 120_000, application_name: 'opamp-platform' },
  };
}
