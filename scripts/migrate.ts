import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/app-config.js';
import { loadEnvFile } from '../src/config/env-file.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { EmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { runMigrationsLocked } from '../src/database/locked-migrations.js';

/** `migrate run` applies pending migrations; `migrate revert` undoes the last one. Uses DATABASE_URL or the embedded cluster. */
async function main(): Promise<void> {
  const command = process.argv[2];
  if (command !== 'run' && command !== 'revert') {
    console.error('usage: migrate run|revert');
    process.exit(2);
  }
  loadEnvFile(); // .env in the working directory; real environment variables win
  const config = loadConfig(process.env);
  const embedded = config.databaseUrl
    ? undefined
    : new EmbeddedPostgres({ dataDir: config.postgresDir, port: config.embeddedPgPort, logger: console });
  const url = config.databaseUrl ?? (await embedded!.start());
  const dataSource = new DataSource(dataSourceOptions(url));
  try {
    await dataSource.initialize();
    if (command === 'run') {
      const applied = await runMigrationsLocked(dataSource);
      console.log(applied.length ? `Applied: ${applied.map((m) => m.name).join(', ')}` : 'Nothing to apply');
    } else {
      await dataSource.undoLastMigration();
      console.log('Reverted the last migration');
    }
  } finally {
    await dataSource.destroy().catch(() => undefined);
    await embedded?.stop();
  }
}

await main();
