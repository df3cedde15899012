import crypto from 'node:crypto';
import pg from 'pg';

const TEMPLATE_DATABASE = 'opamp_template';

function adminUrl(): string {
  const url = process.env.TEST_PG_ADMIN_URL;
  if (!url) {
    throw new Error('TEST_PG_ADMIN_URL is not set: run the tests through `npm test` (Jest globalSetup)');
  }
  return url;
}

/** A fresh database cloned from the migrated template; each test file gets its own. */
export async function createTestDatabase(): Promise<string> {
  const name = `test_${crypto.randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
  } finally {
    await client.end();
  }
  return adminUrl().replace(/\/postgres$/, `/${name}`);
}

/** A URL to a database that does not exist yet (for migration tests that start from empty). */
export async function createEmptyDatabase(): Promise<string> {
  const name = `empty_${crypto.randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return adminUrl().replace(/\/postgres$/, `/${name}`);
}
