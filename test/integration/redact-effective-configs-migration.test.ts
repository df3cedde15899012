import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { RedactEffectiveConfigs1763804010000 } from '../../migrations/1763804010000-redact-effective-configs.js';
import { loadConfig } from '../../src/config/app-config.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { redactorFor } from '../../src/redaction/redactor-factory.js';
import { CORPUS, PLANTED_SECRETS } from '../fixtures/secret-corpus.js';
import { insertAgents, sql } from '../support/agents.js';
import { createTestDatabase } from '../support/database.js';

describe('migration: effective configs stored before redaction', () => {
  const env = { ...process.env };
  let dataDir: string;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opamp-redact-migration-'));
    // The migration reads the server's environment, as the server and `npm run migration:run` do.
    process.env.JWT_SECRET = 'migration-test-secret-migration-test-secret';
    process.env.DATA_DIR = dataDir;
  });

  afterAll(() => {
    process.env = env;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('redacts every stored effective config with the markers the server writes, and clears the hash', async () => {
    const databaseUrl = await createTestDatabase();
    const uids = await insertAgents(
      databaseUrl,
      CORPUS.map(() => ({})),
    );
    for (const [i, uid] of uids.entries()) {
      const config = { 'collector.yaml': { body: CORPUS[i].body, content_type: CORPUS[i].contentType } };
      await sql(
        databaseUrl,
        `UPDATE agents SET effective_config = $2, effective_config_hash = 'old' WHERE instance_uid = $1`,
        [uid, JSON.stringify(config)],
      );
    }
    const [agentWithout] = await insertAgents(databaseUrl, [{}]);

    const dataSource = new DataSource(dataSourceOptions(databaseUrl));
    await dataSource.initialize();
    try {
      const runner = dataSource.createQueryRunner();
      await new RedactEffectiveConfigs1763804010000().up(runner);
      await runner.release();
    } finally {
      await dataSource.destroy();
    }

    const rows = await sql<{ instance_uid: string; effective_config: unknown; effective_config_hash: string | null }>(
      databaseUrl,
      'SELECT instance_uid, effective_config, effective_config_hash FROM agents',
    );
    const text = JSON.stringify(rows);
    expect(PLANTED_SECRETS.filter((secret) => text.includes(secret))).toEqual([]);
    expect(rows.every((row) => row.effective_config_hash === null)).toBe(true);
    expect(rows.find((row) => row.instance_uid === agentWithout)?.effective_config).toBeNull();
    const server = redactorFor(loadConfig(process.env));
    const first = rows.find((row) => row.instance_uid === uids[0])?.effective_config as Record<
      string,
      { body: string }
    >;
    expect(first['collector.yaml'].body).toBe(server.redactBody(CORPUS[0].body, CORPUS[0].contentType));
  });
});
