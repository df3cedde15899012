import type { MigrationInterface, QueryRunner } from 'typeorm';
import { loadConfig } from '../src/config/app-config.js';
import { redactorFor } from '../src/redaction/redactor-factory.js';
import type { ConfigEntry, SecretRedactor } from '../src/redaction/secret-redactor.js';

const BATCH = 500;

/**
 * Effective configs were stored as agents reported them, credentials included. This rewrites every
 * stored one with the redaction the server now applies before storing. The key comes from the same
 * environment the server runs with (JWT_SECRET or DATA_DIR/jwt-secret), so markers written here
 * match those written later. The hash is cleared: the agent's next report is then taken as a
 * change, stored under the new keyed hash, and its drift computed.
 */
export class RedactEffectiveConfigs1763804010000 implements MigrationInterface {
  name = 'RedactEffectiveConfigs1763804010000';

  async up(q: QueryRunner): Promise<void> {
    let redactor: SecretRedactor | undefined;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = (await q.query(
        `SELECT instance_uid, effective_config FROM agents
         WHERE effective_config IS NOT NULL AND instance_uid > $1 ORDER BY instance_uid LIMIT $2`,
        [after, BATCH],
      )) as Array<{ instance_uid: string; effective_config: Record<string, ConfigEntry> }>;
      if (rows.length === 0) {
        return;
      }
      // Built only when there is something to redact: an empty database needs no key.
      redactor ??= redactorFor(loadConfig(process.env));
      const redacted = rows.map((row) => ({
        instance_uid: row.instance_uid,
        effective_config: redactor!.redactMap(row.effective_config),
      }));
      await q.query(
        `UPDATE agents a SET effective_config = r.effective_config, effective_config_hash = NULL
         FROM jsonb_to_recordset($1::jsonb) AS r(instance_uid uuid, effective_config jsonb)
         WHERE a.instance_uid = r.instance_uid`,
        [JSON.stringify(redacted)],
      );
      after = rows[rows.length - 1].instance_uid;
    }
  }

  down(): Promise<void> {
    // The secrets are gone; there is nothing to restore.
    return Promise.resolve();
  }
}
