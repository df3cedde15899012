import fs from 'node:fs';
import path from 'node:path';
import { DataSource, getMetadataArgsStorage, type EntitySchema } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { createEmptyDatabase, createTestDatabase } from '../support/database.js';

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
 * Tables no entity declares yet, each used only through the SQL of the repository named: for them
 * the test proves only that they exist. A new table gets an entity, or a line here with its reason.
 */
const SQL_ONLY_TABLES: Record<string, string> = {
  migrations: "TypeORM's own record of the migrations run",
  agent_outbox: 'queued messages per agent (AgentOutboxRepository)',
  agent_config_pins: 'pinned versions, written by the assignment SQL (AssignmentWritesRepository)',
  rollouts: 'RolloutsRepository',
  rollout_agents: 'RolloutsRepository',
  audit_log: 'AuditRepository',
  webhooks: 'WebhooksRepository',
  webhook_deliveries: 'WebhooksRepository',
};

/**
 * Indexes of entity tables that TypeORM cannot create: an expression (lower(name)), a DESC column
 * or an operator class. Their entity names them with `synchronize: false`; the migrated schema must
 * hold exactly this definition.
 */
const SQL_ONLY_INDEXES: Record<string, string> = {
  agents_labels_idx: 'CREATE INDEX agents_labels_idx ON public.agents USING gin (labels jsonb_path_ops)',
  agents_identifying_idx:
    'CREATE INDEX agents_identifying_idx ON public.agents USING gin (identifying_attributes jsonb_path_ops)',
  agents_non_identifying_idx:
    'CREATE INDEX agents_non_identifying_idx ON public.agents USING gin (non_identifying_attributes jsonb_path_ops)',
  users_username_key: 'CREATE UNIQUE INDEX users_username_key ON public.users USING btree (lower((username)::text))',
  configurations_name_key:
    'CREATE UNIQUE INDEX configurations_name_key ON public.configurations USING btree (lower((name)::text)) WHERE (deleted_at IS NULL)',
  configurations_name_idx:
    'CREATE INDEX configurations_name_idx ON public.configurations USING btree (lower((name)::text), created_at DESC)',
  configuration_apply_history_config_idx:
    'CREATE INDEX configuration_apply_history_config_idx ON public.configuration_apply_history USING btree (configuration_id, offered_at DESC)',
  configuration_apply_history_agent_idx:
    'CREATE INDEX configuration_apply_history_agent_idx ON public.configuration_apply_history USING btree (instance_uid, offered_at DESC)',
  packages_name_version_platform_arch_key:
    'CREATE UNIQUE INDEX packages_name_version_platform_arch_key ON public.packages USING btree (lower((name)::text), version, platform, arch)',
  packages_name_sort_idx:
    'CREATE INDEX packages_name_sort_idx ON public.packages USING btree (lower((name)::text), version_sort_key DESC)',
  agent_custom_messages_agent_idx:
    'CREATE INDEX agent_custom_messages_agent_idx ON public.agent_custom_messages USING btree (instance_uid, id DESC)',
  agent_package_statuses_name_idx:
    'CREATE INDEX agent_package_statuses_name_idx ON public.agent_package_statuses USING btree (lower((package_name)::text))',
};

/**
 * Triggers, functions and views: no entity can state them, so each is listed with its reason and
 * the migrated schema must hold exactly these.
 */
const SQL_ONLY_ROUTINES: Record<string, string> = {
  'function audit_log_immutable()': 'raises on any change to an audit row (the log is append-only)',
  'trigger CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON public.audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_immutable()':
    'calls it before every UPDATE of audit_log',
};

/** What PostgreSQL itself says about these tables, one line per column, index and constraint. */
interface Catalog {
  tables: string[];
  columns: string[];
  indexes: Map<string, string>;
  constraints: string[];
  routines: string[];
}

async function catalogOf(source: DataSource): Promise<Catalog> {
  const tables = await source.query<Array<{ name: string }>>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
  );
  const columns = await source.query<Array<{ line: string }>>(
    `SELECT format('%s.%s %s%s%s%s%s%s', table_name, column_name, udt_name,
             '(' || coalesce(character_maximum_length, numeric_precision) || coalesce(',' || numeric_scale, '') || ')',
             CASE WHEN is_nullable = 'NO' THEN ' NOT NULL' ELSE '' END,
             ' DEFAULT ' || column_default, ' COLLATE ' || collation_name,
             CASE WHEN is_identity = 'YES' THEN ' IDENTITY ' || identity_generation ELSE '' END) AS line
     FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1`,
  );
  // Indexes that back a primary key or unique constraint are compared as that constraint.
  const indexes = await source.query<Array<{ name: string; def: string }>>(
    `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace
     WHERE n.nspname = 'public'
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.oid AND k.contype IN ('p', 'u', 'x'))`,
  );
  // Primary keys by their columns: TypeORM names them by a hash, the migrations by PostgreSQL's rule.
  const constraints = await source.query<Array<{ line: string }>>(
    `SELECT format('%s %s %s', conrelid::regclass,
             CASE WHEN contype = 'p' THEN 'primary key' ELSE conname END, pg_get_constraintdef(oid)) AS line
     FROM pg_constraint
     WHERE connamespace = 'public'::regnamespace AND contype IN ('p', 'u', 'c', 'f', 'x') ORDER BY 1`,
  );
  const routines = await source.query<Array<{ line: string }>>(
    `SELECT 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS line
     FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
     UNION ALL
     SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
     UNION ALL
     SELECT 'view ' || viewname FROM pg_views WHERE schemaname = 'public'`,
  );
  return {
    tables: tables.map((t) => t.name),
    columns: columns.map((c) => c.line),
    indexes: new Map(indexes.map((i) => [i.name, i.def])),
    constraints: constraints.map((c) => c.line),
    routines: routines.map((r) => r.line).sort(),
  };
}

const ofTables = (lines: string[], tables: Set<string>): string[] =>
  lines.filter((line) => tables.has(/^(\w+)/.exec(line)![1])).sort();

describe('schema truth (integration)', () => {
  let migrated: DataSource;
  let declared: DataSource;
  let entityTables: Set<string>;
  let fromMigrations: Catalog;
  let fromEntities: Catalog;

  beforeAll(async () => {
    const entities = (await allEntities()) as unknown as EntitySchema[];
    expect(entities.length).toBeGreaterThanOrEqual(10);
    // The template every test database is cloned from has run all migrations.
    migrated = new DataSource({ ...dataSourceOptions(await createTestDatabase()), entities });
    // An empty database given the schema the entities declare, nothing else.
    declared = new DataSource({ ...dataSourceOptions(await createEmptyDatabase()), entities, migrations: [] });
    await Promise.all([migrated.initialize(), declared.initialize()]);
    await declared.synchronize();
    entityTables = new Set(migrated.entityMetadatas.map((metadata) => metadata.tableName));
    [fromMigrations, fromEntities] = await Promise.all([catalogOf(migrated), catalogOf(declared)]);
  });

  afterAll(async () => {
    await Promise.all([migrated?.destroy(), declared?.destroy()]);
  });

  it('leaves TypeORM nothing to change after the migrations', async () => {
    const pending = await migrated.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('has an entity for every table but the listed SQL-only ones', () => {
    const sqlOnly = Object.keys(SQL_ONLY_TABLES);
    expect(sqlOnly.filter((table) => entityTables.has(table))).toEqual([]);
    expect(fromMigrations.tables.filter((table) => !entityTables.has(table) && !sqlOnly.includes(table))).toEqual([]);
    expect(sqlOnly.filter((table) => !fromMigrations.tables.includes(table))).toEqual([]);
  });

  it('has only the listed triggers, functions and views, which no entity can state', () => {
    expect(fromEntities.routines).toEqual([]);
    expect(fromMigrations.routines).toEqual(Object.keys(SQL_ONLY_ROUTINES).sort());
  });

  it('has the columns the entities declare: types, lengths, nullability, defaults, collation, identity', () => {
    expect(ofTables(fromMigrations.columns, entityTables)).toEqual(ofTables(fromEntities.columns, entityTables));
  });

  it('has the CHECK, UNIQUE, primary and foreign keys (with their ON DELETE) the entities declare', () => {
    expect(ofTables(fromMigrations.constraints, entityTables)).toEqual(
      ofTables(fromEntities.constraints, entityTables),
    );
  });

  it('has the indexes the entities declare (partial ones with their WHERE), and the listed SQL-only ones exactly', () => {
    const lines = (catalog: Catalog): string[] =>
      [...catalog.indexes]
        .filter(([name, def]) => !(name in SQL_ONLY_INDEXES) && entityTables.has(/ ON public\.(\w+) /.exec(def)![1]))
        .map(([, def]) => def)
        .sort();
    expect(lines(fromMigrations)).toEqual(lines(fromEntities));
    for (const [name, def] of Object.entries(SQL_ONLY_INDEXES)) {
      expect(`${name}: ${fromMigrations.indexes.get(name)}`).toBe(`${name}: ${def}`);
    }
    // Each listed index is named by its entity (so TypeORM keeps it), and each index an entity
    // leaves to SQL is listed (so its definition is checked).
    const leftToSql = migrated.entityMetadatas.flatMap((m) =>
      m.indices.filter((i) => !i.synchronize).map((i) => i.name),
    );
    expect(leftToSql.sort()).toEqual(Object.keys(SQL_ONLY_INDEXES).sort());
  });
});
