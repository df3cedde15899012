import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options.js';
import { runMigrationsLocked } from './locked-migrations.js';
import { DATABASE_URL, PgNotifications } from './pg-notifications.js';

/**
 * TypeORM on the URL resolved at boot (embedded or DATABASE_URL), migrations run (under an
 * advisory lock) before anything else, and LISTEN/NOTIFY for the instances of a cluster.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(url: string): DynamicModule {
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
      providers: [{ provide: DATABASE_URL, useValue: url }, PgNotifications],
      exports: [PgNotifications],
    };
  }
}
