import { DefaultRolloutPoliciesRepository } from '../../src/configurations/default-policies/default-rollout-policies.repository.js';
import { DefaultRolloutPoliciesService } from '../../src/configurations/default-policies/default-rollout-policies.service.js';
import { jest } from '@jest/globals';
import crypto from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { InstanceIdentity } from '../../src/agents/instance-identity.js';
import { loadConfig } from '../../src/config/app-config.js';
import { ApplyHistoryRepository } from '../../src/configurations/apply-history.repository.js';
import { ApplyEvents } from '../../src/configurations/apply-events.js';
import { ApplyHistoryService } from '../../src/configurations/apply-history.service.js';
import { ApplyRecordEntity } from '../../src/configurations/apply-record.entity.js';
import { ConfigAssignmentRepository } from '../../src/configurations/config-assignment.repository.js';
import { ConfigChangeNotifier } from '../../src/configurations/config-change-notifier.js';
import { ConfigurationVersionEntity } from '../../src/config-history/configuration-version.entity.js';
import { ConfigurationEntity } from '../../src/configurations/configuration.entity.js';
import { ConfigurationsRepository } from '../../src/configurations/configurations.repository.js';
import { ConfigHistoryRepository } from '../../src/config-history/config-history.repository.js';
import { ConfigHistoryService } from '../../src/config-history/config-history.service.js';
import { ConfigurationsService } from '../../src/configurations/configurations.service.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { insertAgents, sql } from '../support/agents.js';
import { createTestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';

describe('apply history on a real PostgreSQL', () => {
  let databaseUrl: string;
  let dataSource: DataSource;
  let sut: ApplyHistoryService;
  let configuration: ConfigurationEntity;
  let oldHash: string;

  const statusOf = async (uid: string, hash: string) =>
    (
      await sql<{ status: string; error_message: string | null; finished_at: Date | null }>(
        databaseUrl,
        `SELECT status, error_message, finished_at FROM configuration_apply_history
         WHERE instance_uid = $1 AND config_hash = $2 ORDER BY offered_at DESC LIMIT 1`,
        [uid, hash],
      )
    )[0];
  const offer = (uid: string, pushId: string | null = null) =>
    sut.recordOffers([
      {
        configurationId: configuration.id,
        version: configuration.version,
        configHash: configuration.configHash,
        instanceUid: uid,
        pushId,
      },
    ]);

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    dataSource = new DataSource({
      ...dataSourceOptions(databaseUrl),
      entities: [ConfigurationEntity, ConfigurationVersionEntity, ApplyRecordEntity],
    });
    await dataSource.initialize();
    const identity = new InstanceIdentity(loadConfig({}));
    const config = loadConfig({ APPLY_TIMEOUT_SECONDS: '60' });
    const repository = new ConfigurationsRepository(dataSource, identity);
    const configurations = new ConfigurationsService(
      repository,
      config,
      ConfigChangeNotifier.of(),
      new ConfigHistoryService(new ConfigHistoryRepository(dataSource)),
      new DefaultRolloutPoliciesService(new DefaultRolloutPoliciesRepository(dataSource)),
    );
    oldHash = (await configurations.create({ name: 'tracked', rawConfig: 'v: 1', selector: { a: 'b' } }, 't'))
      .configuration.configHash;
    configuration = (await configurations.update('tracked', { rawConfig: 'v: 2' }, 't')).configuration;
    sut = new ApplyHistoryService(
      new ApplyHistoryRepository(dataSource),
      repository,
      new ConfigAssignmentRepository(dataSource, identity),
      config,
      new ApplyEvents(),
    );
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  it('moves an offer pending -> applying -> applied, and a late report cannot move it back', async () => {
    const [uid] = await insertAgents(databaseUrl, [{}]);
    await offer(uid);
    expect((await statusOf(uid, configuration.configHash)).status).toBe('pending');
    await sut.recordStatus(uid, configuration.configHash, 'APPLYING', null);
    expect(await statusOf(uid, configuration.configHash)).toEqual(
      expect.objectContaining({ status: 'applying', finished_at: null }),
    );
    await sut.recordStatus(uid, configuration.configHash, 'APPLIED', null);
    const applied = await statusOf(uid, configuration.configHash);
    expect(applied.status).toBe('applied');
    expect(applied.finished_at).toBeInstanceOf(Date);
    await sut.recordStatus(uid, configuration.configHash, 'APPLYING', null);
    expect((await statusOf(uid, configuration.configHash)).status).toBe('applied');
  });

  it('holds a report until the offer it answers is written, when the offer was sent before its row', async () => {
    const [uid] = await insertAgents(databaseUrl, [{}]);
    // An uncommitted open row for the same agent and version makes the offer's insert wait on it.
    const blocker = new pg.Client({ connectionString: databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(
        `INSERT INTO configuration_apply_history (configuration_id, version, config_hash, instance_uid, status)
         VALUES ($1, $2, $3, $4, 'pending')`,
        [configuration.id, configuration.version, configuration.configHash, uid],
      );
      const offered = offer(uid, crypto.randomUUID());
      // The agent answers before the row exists (a push sends while it records).
      let reported = false;
      const report = sut.recordStatus(uid, configuration.configHash, 'APPLYING', null).then(() => {
        reported = true;
      });
      // Once the insert waits on the blocker's row, the report has had its chance to run ahead.
      await eventually(
        async () =>
          (
            await sql<{ n: number }>(
              databaseUrl,
              `SELECT count(*)::int AS n FROM pg_stat_activity
               WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO configuration_apply_history%'`,
            )
          )[0].n === 1,
        { what: 'the offer waiting on the uncommitted row' },
      );
      expect(reported).toBe(false);
      await blocker.query('ROLLBACK');
      await Promise.all([offered, report]);
      expect((await statusOf(uid, configuration.configHash)).status).toBe('applying');
    } finally {
      await blocker.end();
    }
  });

  it('records FAILED with its message, then rolled_back when the agent reports the old config applied', async () => {
    const [uid] = await insertAgents(databaseUrl, [{}]);
    await offer(uid);
    await sut.recordStatus(uid, configuration.configHash, 'FAILED', 'unknown exporter "otlpx"');
    expect(await statusOf(uid, configuration.configHash)).toEqual(
      expect.objectContaining({ status: 'failed', error_message: 'unknown exporter "otlpx"' }),
    );
    await sut.recordStatus(uid, oldHash, 'APPLIED', null);
    expect(await statusOf(uid, configuration.configHash)).toEqual(
      expect.objectContaining({ status: 'rolled_back', error_message: 'unknown exporter "otlpx"' }),
    );
  });

  it("closes many agents' open rows as applied in one call, leaving finished rows alone", async () => {
    const [a, b, c] = await insertAgents(databaseUrl, [{}, {}, {}]);
    await offer(a);
    await offer(b);
    await sut.recordStatus(b, configuration.configHash, 'APPLYING', null);
    await offer(c);
    await sut.recordStatus(c, configuration.configHash, 'FAILED', 'nope');
    await sut.recordAppliedMany([a, b, c], configuration.configHash);
    expect((await statusOf(a, configuration.configHash)).status).toBe('applied');
    expect((await statusOf(b, configuration.configHash)).finished_at).toBeInstanceOf(Date);
    expect((await statusOf(b, configuration.configHash)).status).toBe('applied');
    expect((await statusOf(c, configuration.configHash)).status).toBe('failed');
    await expect(sut.recordAppliedMany([], configuration.configHash)).resolves.toBeUndefined();
  });

  it('ignores a report about a hash it never offered', async () => {
    const [uid] = await insertAgents(databaseUrl, [{}]);
    await sut.recordStatus(uid, 'ab'.repeat(32), 'APPLIED', null);
    expect(await sql(databaseUrl, 'SELECT 1 FROM configuration_apply_history WHERE instance_uid = $1', [uid])).toEqual(
      [],
    );
  });

  it('times out offers left unanswered, idempotently, and still takes a late APPLIED', async () => {
    const [stale, fresh] = await insertAgents(databaseUrl, [{}, {}]);
    await offer(stale);
    await offer(fresh);
    await sql(
      databaseUrl,
      `UPDATE configuration_apply_history SET offered_at = now() - interval '61 seconds' WHERE instance_uid = $1`,
      [stale],
    );
    const [first, second] = await Promise.all([sut.sweepTimeouts(), sut.sweepTimeouts()]);
    expect(first + second).toBe(1);
    expect(await sut.sweepTimeouts()).toBe(0);
    expect((await statusOf(stale, configuration.configHash)).status).toBe('timeout');
    expect((await statusOf(fresh, configuration.configHash)).status).toBe('pending');
    await sut.recordStatus(stale, configuration.configHash, 'APPLIED', null);
    expect((await statusOf(stale, configuration.configHash)).status).toBe('applied');
  });

  it('counts a push per state, each agent by its newest record', async () => {
    const pushId = crypto.randomUUID();
    const uids = await insertAgents(databaseUrl, [{}, {}, {}, {}]);
    for (const uid of uids) {
      await offer(uid, pushId);
    }
    await sut.recordStatus(uids[0], configuration.configHash, 'APPLIED', null);
    await sut.recordStatus(uids[1], configuration.configHash, 'FAILED', 'bad');
    await sut.recordStatus(uids[2], configuration.configHash, 'APPLYING', null);
    const summary = await sut.summaryForPush('tracked', pushId);
    // Offered without a push request (as an automatic push is): known by its rows only.
    expect(summary).toEqual({
      total: 4,
      counts: { pending: 1, applying: 1, applied: 1, failed: 1, timeout: 0, rolled_back: 0 },
      push: null,
    });
    await expect(sut.summaryForPush('tracked', crypto.randomUUID())).rejects.toThrow(/not found/);
    const page = await sut.listForConfiguration('tracked', { pushId, status: 'failed' }, 0, 10);
    expect(page.total).toBe(1);
    expect(page.items[0]).toEqual(
      expect.objectContaining({ instanceUid: uids[1], configurationName: 'tracked', errorMessage: 'bad', version: 2 }),
    );
  });

  it("writes a burst of many agents' reports in a few statements, in each agent's order", async () => {
    const uids = await insertAgents(
      databaseUrl,
      Array.from({ length: 300 }, () => ({})),
    );
    await sut.recordOffers(
      uids.map((instanceUid) => ({
        configurationId: configuration.id,
        version: configuration.version,
        configHash: configuration.configHash,
        instanceUid,
        pushId: null,
      })),
    );
    // Every statement, whichever TypeORM path sends it, goes through a pg Client.
    const statements = jest.spyOn(pg.Client.prototype, 'query');
    try {
      // 300 agents report at once; the first 100 send APPLYING and APPLIED within the same batch.
      await Promise.all(
        uids.flatMap((uid, i) =>
          i < 100
            ? [
                sut.recordStatus(uid, configuration.configHash, 'APPLYING', null),
                sut.recordStatus(uid, configuration.configHash, 'APPLIED', null),
              ]
            : [sut.recordStatus(uid, configuration.configHash, i % 2 ? 'APPLYING' : 'FAILED', 'no such receiver')],
        ),
      );
      expect(statements.mock.calls.length).toBeLessThanOrEqual(6);
    } finally {
      statements.mockRestore();
    }
    const rows = await sql<{ status: string; n: string }>(
      databaseUrl,
      `SELECT status, count(*) AS n FROM configuration_apply_history WHERE instance_uid = ANY($1::uuid[]) GROUP BY status`,
      [uids],
    );
    expect(Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]))).toEqual({
      applied: 100,
      applying: 100,
      failed: 100,
    });
    const failed = await statusOf(uids[100], configuration.configHash);
    expect(failed.error_message).toBe('no such receiver');
    // APPLYING carries no error even when the agent sent one.
    expect((await statusOf(uids[101], configuration.configHash)).error_message).toBeNull();
  });

  it('sees a rollback reported in the same batch as the failure', async () => {
    const [uid, bystander] = await insertAgents(databaseUrl, [{}, {}]);
    await offer(uid);
    await offer(bystander);
    await Promise.all([
      sut.recordStatus(uid, configuration.configHash, 'FAILED', 'bad'),
      sut.recordStatus(uid, oldHash, 'APPLIED', null),
      // An APPLIED for an unknown hash from an agent whose newest offer did not fail changes nothing.
      sut.recordStatus(bystander, oldHash, 'APPLIED', null),
    ]);
    expect((await statusOf(uid, configuration.configHash)).status).toBe('rolled_back');
    expect((await statusOf(bystander, configuration.configHash)).status).toBe('pending');
  });

  it('records a repeated heartbeat offer once, even when both land in one batch', async () => {
    const [uid, other] = await insertAgents(databaseUrl, [{}, {}]);
    const record = (instanceUid: string) => ({
      configurationId: configuration.id,
      version: configuration.version,
      configHash: configuration.configHash,
      instanceUid,
      pushId: null,
    });
    await Promise.all([sut.recordOfferUnlessOpen(record(uid)), sut.recordOfferUnlessOpen(record(uid))]);
    await sut.recordOfferUnlessOpen(record(uid));
    await Promise.all([sut.recordOfferUnlessOpen(record(other)), sut.recordOfferUnlessOpen(record(uid))]);
    const count = async (instanceUid: string) =>
      (await sql(databaseUrl, 'SELECT 1 FROM configuration_apply_history WHERE instance_uid = $1', [instanceUid]))
        .length;
    expect(await count(uid)).toBe(1);
    expect(await count(other)).toBe(1);
    // Once answered, a new offer of the same hash is a new row.
    await sut.recordStatus(uid, configuration.configHash, 'APPLIED', null);
    await sut.recordOfferUnlessOpen(record(uid));
    expect(await count(uid)).toBe(2);
  });
  it('keeps one open row per agent and version, whichever offer comes first, and gives it to the push', async () => {
    const uids = await insertAgents(
      databaseUrl,
      Array.from({ length: 40 }, () => ({})),
    );
    const pushId = crypto.randomUUID();
    const record = (instanceUid: string, push: string | null) => ({
      configurationId: configuration.id,
      version: configuration.version,
      configHash: configuration.configHash,
      instanceUid,
      pushId: push,
    });
    // Half are offered on a heartbeat first; then heartbeat offers and the push's land together.
    await Promise.all(uids.slice(0, 20).map((uid) => sut.recordOfferUnlessOpen(record(uid, null))));
    await Promise.all([
      sut.recordOffers(uids.map((uid) => record(uid, pushId))),
      ...uids.map((uid) => sut.recordOfferUnlessOpen(record(uid, null))),
      sut.recordOffers(uids.slice(20).map((uid) => record(uid, pushId))),
    ]);
    const rows = await sql<{ instance_uid: string; rows: string; pushed: string }>(
      databaseUrl,
      `SELECT instance_uid, count(*) AS rows, count(*) FILTER (WHERE push_id = $2) AS pushed
       FROM configuration_apply_history WHERE instance_uid = ANY($1::uuid[]) GROUP BY instance_uid`,
      [uids, pushId],
    );
    expect(rows).toHaveLength(40);
    expect(rows.every((row) => row.rows === '1' && row.pushed === '1')).toBe(true);
    // The unique index itself refuses a second open row written by anything else.
    await expect(
      sql(
        databaseUrl,
        `INSERT INTO configuration_apply_history (configuration_id, version, config_hash, instance_uid, status)
         VALUES ($1, $2, $3, $4, 'applying')`,
        [configuration.id, configuration.version, configuration.configHash, uids[0]],
      ),
    ).rejects.toThrow(/configuration_apply_history_one_open_idx/);
  });
});
