import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options.js';
import type { EmbeddedPostgresStatus } from './embedded-postgres.js';
import { runMigrationsLocked } from './locked-migrations.js';
import { DATABASE_URL, PgNotifications } from './pg-notifications.js';

/** Reads the embedded PostgreSQL's supervision state; absent when DATABASE_URL points elsewhere. */
export type EmbeddedStatusSource = () => EmbeddedPostgresStatus;
export const EMBEDDED_POSTGRES_STATUS = Symbol('EMBEDDED_POSTGRES_STATUS');

/**
 * TypeORM on the URL resolved at boot (embedded or DATABASE_URL), migrations run (under an
 * advisory lock) before anything else, and LISTEN/NOTIFY for the instances of a cluster.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(url: string, embeddedStatus?: EmbeddedStatusSource): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ ...dataSourceOptions(url), autoLoadEntities: true, retryAttempts: 3, retryDelay: 1000 }),
          // Migrations under an advisory lock, so instances starting together do not race.
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options!).initialize();
            try {
              await runMigrationsLocked(dataSource);
            } catch (error) {
              await dataSource.destroy();
              throw error;
            }
            return dataSource;
          },
        }),
      ],
      providers: [
        { provide: DATABASE_URL, useValue: url },
        { provide: EMBEDDED_POSTGRES_STATUS, useValue: embeddedStatus ?? null },
        PgNotifications,
      ],
      exports: [PgNotifications, EMBEDDED_POSTGRES_STATUS],
    };
  }
}
