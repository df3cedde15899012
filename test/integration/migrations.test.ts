import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { migrations } from '../../migrations/index.js';
import { createEmptyDatabase } from '../support/database.js';

describe('migrations', () => {
  it('apply on an empty database, revert one by one to nothing, and apply again', async () => {
    const dataSource = new DataSource(dataSourceOptions(await createEmptyDatabase()));
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations();
      expect(applied).toHaveLength(migrations.length);
      for (let i = 0; i < migrations.length; i++) {
        await dataSource.undoLastMigration();
      }
      const tables = await dataSource.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'`,
      );
      expect(tables).toEqual([]);
      expect(await dataSource.runMigrations()).toHaveLength(migrations.length);
      expect(await dataSource.showMigrations()).toBe(false);
    } finally {
      await dataSource.destroy();
    }
  });
});
