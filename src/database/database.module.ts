import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source-options.js';
import { DATABASE_URL, PgNotifications } from './pg-notifications.js';

/**
 * TypeORM on the URL resolved at boot (embedded or DATABASE_URL), migrations run before anything
 * else, and LISTEN/NOTIFY for the instances of a cluster.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(url: string): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(url),
          migrationsRun: true,
          autoLoadEntities: true,
          retryAttempts: 3,
          retryDelay: 1000,
        }),
      ],
      providers: [{ provide: DATABASE_URL, useValue: url }, PgNotifications],
      exports: [PgNotifications],
    };
  }
}
