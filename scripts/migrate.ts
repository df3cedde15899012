import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/app-config.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { EmbeddedPostgres } from '../src/database/embedded-postgres.js';

/** `migrate run` applies pending migrations; `migrate revert` undoes the last one. Uses DATABASE_URL or the embedded cluster. */
async function main(): Promise<void> {
  const command = process.argv[2];
  if (command !== 'run' && command !== 'revert') {
    console.error('usage: migrate run|revert');
    process.exit(2);
  }
  const config = loadConfig(process.env);
  const embedded = config.databaseUrl
    ? undefined
    : new EmbeddedPostgres({ dataDir: config.postgresDir, port: config.embeddedPgPort, logger: console });
  const url = config.databaseUrl ?? (await embedded!.start());
  const dataSource = new DataSource(dataSourceOptions(url));
  try {
    await dataSource.initialize();
    if (command === 'run') {
      const applied = await dataSource.runMigrations();
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
