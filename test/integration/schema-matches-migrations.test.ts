import fs from 'node:fs';
import path from 'node:path';
import { DataSource, getMetadataArgsStorage, type EntitySchema } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { createTestDatabase } from '../support/database.js';

const SRC = path.resolve(import.meta.dirname, '../../src');

/** Every entity class of the app: each `*.entity.ts` under src/, so a new module's entity is covered too. */
async function allEntities(): Promise<Array<new () => unknown>> {
  const files = fs
    .readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.entity.ts'))
    .sort();
  const modules = await Promise.all(files.map((file) => import(path.join(SRC, file)) as Promise<object>));
  const tables = new Set(getMetadataArgsStorage().tables.map((table) => table.target));
  return modules.flatMap((module) => Object.values(module)).filter((value) => tables.has(value)) as Array<
    new () => unknown
  >;
}

/**
 * What only the migrations declare: indexes (partial, GIN, expression), CHECK constraints, foreign
 * keys and column defaults. TypeORM would drop them all since the entities do not repeat them;
 * everything else (tables, columns, types, nullability, primary keys) must agree.
 */
const DECLARED_BY_MIGRATIONS =
  /^(DROP INDEX|CREATE (UNIQUE )?INDEX|ALTER TABLE "\w+" (DROP CONSTRAINT|ADD CONSTRAINT "\w+" (FOREIGN KEY|CHECK|UNIQUE))|ALTER TABLE "\w+" ALTER COLUMN "\w+" (DROP|SET) DEFAULT)/;

describe('schema truth (integration)', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    // The template every test database is cloned from has run all migrations.
    const url = await createTestDatabase();
    const entities = await allEntities();
    expect(entities.length).toBeGreaterThanOrEqual(10);
    dataSource = new DataSource({ ...dataSourceOptions(url), entities: entities as unknown as EntitySchema[] });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('has entities whose tables, columns, types, nullability and keys match the migrated schema', async () => {
    const pending = await dataSource.driver.createSchemaBuilder().log();
    const columnChanges = pending.upQueries
      .map((query) => query.query)
      .filter((query) => !DECLARED_BY_MIGRATIONS.test(query));
    expect(columnChanges).toEqual([]);
  });
});
