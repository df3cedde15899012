// Runs in Jest's parent process, outside ts-jest's ESM transform, so it loads the compiled
// sources from dist/ (`npm test` builds first, in its pretest step).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../dist/src/database/data-source-options.js';
import { EmbeddedPostgres } from '../../dist/src/database/embedded-postgres.js';

const TEMPLATE_DATABASE = 'opamp_template';

/** One real PostgreSQL for the run, with a migrated template database every test file clones. */
export default async function globalSetup() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'opamp-test-pg-'));
  fs.chmodSync(root, 0o755); // mkdtemp makes 0700; the postgres OS user must traverse it
  const postgres = new EmbeddedPostgres({
    dataDir: path.join(root, 'postgres'),
    port: 0,
    logger: { log: () => undefined, warn: () => undefined },
  });
  const adminUrl = (await postgres.start()).replace(/\/opamp$/, '/postgres');
  const admin = new DataSource({ type: 'postgres', url: adminUrl });
  await admin.initialize();
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.destroy();
  const template = new DataSource(dataSourceOptions(adminUrl.replace(/\/postgres$/, `/${TEMPLATE_DATABASE}`)));
  await template.initialize();
  await template.runMigrations();
  await template.destroy();
  process.env.TEST_PG_ADMIN_URL = adminUrl;
  globalThis.__testPostgres = { postgres, root };
}
