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
      // Storage settings are not part of the schema the entities describe: checked here.
      const options = await dataSource.query<Array<{ relname: string; reloptions: string[] }>>(
        `SELECT relname, reloptions FROM pg_class WHERE relname IN ('agents', 'configuration_apply_history') ORDER BY relname`,
      );
      expect(options).toEqual([
        {
          relname: 'agents',
          reloptions: expect.arrayContaining(['fillfactor=80', 'autovacuum_vacuum_scale_factor=0.02']),
        },
        {
          relname: 'configuration_apply_history',
          reloptions: expect.arrayContaining(['autovacuum_vacuum_scale_factor=0.02']),
        },
      ]);
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
  it('leaves one open apply row per agent and version when duplicates were written before the index', async () => {
    const dataSource = new DataSource(dataSourceOptions(await createEmptyDatabase()));
    await dataSource.initialize();
    try {
      await dataSource.runMigrations();
      // Back to just before it (later migrations, if any, first).
      const isApplied = async () =>
        (await dataSource.query(`SELECT 1 FROM migrations WHERE name = 'OneOpenOffer1763803000000'`)).length > 0;
      while (await isApplied()) {
        await dataSource.undoLastMigration();
      }
      const [{ id }] = await dataSource.query<Array<{ id: string }>>(
        `INSERT INTO configurations (name, raw_config, content_type, version, config_hash)
         VALUES ('dup', 'a: 1', 'text/yaml', 1, repeat('a', 64)) RETURNING id`,
      );
      const agent = '00000000-0000-4000-8000-000000000001';
      const push = '00000000-0000-4000-8000-0000000000aa';
      // A heartbeat's offer and a push's for the same version (the race), and a finished older offer.
      for (const [pushId, status, ago] of [
        [null, 'pending', 2],
        [push, 'applying', 5],
        [null, 'failed', 60],
      ] as const) {
        await dataSource.query(
          `INSERT INTO configuration_apply_history (configuration_id, version, config_hash, instance_uid, push_id, status, offered_at)
           VALUES ($1, 1, repeat('a', 64), $2, $3, $4, now() - make_interval(secs => $5))`,
          [id, agent, pushId, status, ago],
        );
      }
      await dataSource.runMigrations();
      expect(await isApplied()).toBe(true);
      const rows = await dataSource.query<Array<{ push_id: string | null; status: string }>>(
        'SELECT push_id, status FROM configuration_apply_history ORDER BY offered_at',
      );
      expect(rows).toEqual([
        { push_id: null, status: 'failed' },
        { push_id: push, status: 'applying' },
      ]);
    } finally {
      await dataSource.destroy();
    }
  });
});
