import { DefaultRolloutPoliciesRepository } from '../../src/configurations/default-policies/default-rollout-policies.repository.js';
import { DefaultRolloutPoliciesService } from '../../src/configurations/default-policies/default-rollout-policies.service.js';
import { AgentsAssignedHooks } from '../../src/configurations/agents-assigned-hooks.js';
import { DataSource } from 'typeorm';
import { InstanceIdentity } from '../../src/agents/instance-identity.js';
import { loadConfig } from '../../src/config/app-config.js';
import { ConfigAssignmentRepository } from '../../src/configurations/config-assignment.repository.js';
import { ConfigAssignmentService } from '../../src/configurations/config-assignment.service.js';
import { ConfigChangeNotifier } from '../../src/configurations/config-change-notifier.js';
import { ConfigurationVersionEntity } from '../../src/config-history/configuration-version.entity.js';
import { ConfigurationEntity } from '../../src/configurations/configuration.entity.js';
import { ConfigurationsRepository } from '../../src/configurations/configurations.repository.js';
import { ConfigHistoryRepository } from '../../src/config-history/config-history.repository.js';
import { ConfigHistoryService } from '../../src/config-history/config-history.service.js';
import { ConfigurationsService } from '../../src/configurations/configurations.service.js';
import type { AssignmentChange } from '../../src/configurations/assignment.store.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { insertAgents, sql } from '../support/agents.js';
import { createTestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';

describe('configuration assignment on a real PostgreSQL', () => {
  let databaseUrl: string;
  let dataSource: DataSource;
  let configurations: ConfigurationsService;
  let sut: ConfigAssignmentService;
  let identity: InstanceIdentity;
  let repository: ConfigurationsRepository;
  const notified: AssignmentChange[][] = [];

  const assigned = async (uid: string): Promise<string | null> =>
    (await sut.assignmentFor(uid))?.configurationName ?? null;
  const create = (name: string, selector: Record<string, string>, priority = 0) =>
    configurations.create({ name, rawConfig: `name: ${name}`, selector, priority }, 'tester');

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    dataSource = new DataSource({
      ...dataSourceOptions(databaseUrl),
      entities: [ConfigurationEntity, ConfigurationVersionEntity],
    });
    await dataSource.initialize();
    identity = new InstanceIdentity(loadConfig({}));
    const notifier = ConfigChangeNotifier.of({
      assignmentsChanged: (changes) => {
        notified.push(changes);
        return Promise.resolve();
      },
    });
    repository = new ConfigurationsRepository(dataSource, identity);
    configurations = new ConfigurationsService(
      repository,
      loadConfig({}),
      notifier,
      new ConfigHistoryService(new ConfigHistoryRepository(dataSource)),
      new DefaultRolloutPoliciesService(new DefaultRolloutPoliciesRepository(dataSource)),
    );
    sut = new ConfigAssignmentService(
      new ConfigAssignmentRepository(dataSource, identity),
      repository,
      notifier,
      AgentsAssignedHooks.of(),
    );
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  it('matches selectors against attributes and labels, labels winning, and picks by priority', async () => {
    const [plain, teamed, linux, overridden] = await insertAgents(databaseUrl, [
      { labels: { env: 'prod' } },
      { identifying: { 'service.name': 'coll' }, labels: { env: 'prod', team: 'obs' } },
      { nonIdentifying: { 'os.type': 'linux' } },
      { identifying: { env: 'staging' }, labels: { env: 'prod' } },
    ]);
    const base = await create('base', { env: 'prod' });
    expect(base.assignmentChanges.map((c) => c.instanceUid).sort()).toEqual([plain, teamed, overridden].sort());
    expect(await assigned(linux)).toBeNull();

    await create('staging', { env: 'staging' }, 100);
    expect(await assigned(overridden)).toBe('base');

    await create('team', { team: 'obs', 'service.name': 'coll' }, 5);
    expect(await assigned(teamed)).toBe('team');
    expect(await assigned(plain)).toBe('base');

    await configurations.update('team', { priority: -1 }, 'tester');
    expect(await assigned(teamed)).toBe('base');

    const row = await sut.assignmentFor(teamed);
    const current = await configurations.get('base');
    expect(row).toEqual(
      expect.objectContaining({
        configurationId: current.id,
        assignedVersion: 1,
        desiredConfigHash: current.configHash,
      }),
    );
  });

  it('follows a new version of the assigned configuration with the new hash', async () => {
    const [uid] = await insertAgents(databaseUrl, [{ labels: { app: 'versioned' } }]);
    await create('versioned', { app: 'versioned' });
    const updated = await configurations.update('versioned', { rawConfig: 'changed: true' }, 'tester');
    expect(updated.assignmentChanges).toEqual([
      {
        instanceUid: uid,
        configurationId: updated.configuration.id,
        version: 2,
        configHash: updated.configuration.configHash,
      },
    ]);
    expect((await sut.assignmentFor(uid))?.assignedVersion).toBe(2);
  });

  it('breaks priority ties by the oldest configuration, then by name', async () => {
    const [uid] = await insertAgents(databaseUrl, [{ labels: { tie: 'yes' } }]);
    await create('tie-b', { tie: 'yes' }, 3);
    await create('tie-a', { tie: 'yes' }, 3);
    expect(await assigned(uid)).toBe('tie-b');
    await sql(databaseUrl, `UPDATE configurations SET created_at = '2026-01-01' WHERE name IN ('tie-a', 'tie-b')`);
    await sut.recomputeForAgents([uid]);
    expect(await assigned(uid)).toBe('tie-a');
  });

  it('never assigns a configuration with an empty selector', async () => {
    const [uid] = await insertAgents(databaseUrl, [{}]);
    const everything = await create('empty-selector', {});
    expect(everything.assignmentChanges).toEqual([]);
    expect(await assigned(uid)).toBeNull();
  });

  it('recomputes one agent when its labels change, and tells the listeners', async () => {
    const [uid] = await insertAgents(databaseUrl, [{ labels: { zone: 'a' } }]);
    await create('zone-b', { zone: 'b' });
    expect(await assigned(uid)).toBeNull();
    await sql(databaseUrl, `UPDATE agents SET labels = '{"zone": "b"}' WHERE instance_uid = $1`, [uid]);
    notified.length = 0;
    const changes = await sut.recomputeForAgents([uid]);
    expect(changes).toEqual([expect.objectContaining({ instanceUid: uid, version: 1 })]);
    expect(notified).toEqual([changes]);
    expect(await assigned(uid)).toBe('zone-b');
    // Nothing changed: no write, no notification.
    notified.length = 0;
    expect(await sut.recomputeForAgents([uid])).toEqual([]);
    expect(notified).toEqual([]);
  });

  it('moves agents of a deleted configuration to their next match, or to none', async () => {
    const [both, only] = await insertAgents(databaseUrl, [
      { labels: { del: 'x', fallback: 'y' } },
      { labels: { del: 'x' } },
    ]);
    await create('del-fallback', { fallback: 'y' }, 0);
    await create('del-main', { del: 'x' }, 10);
    expect(await assigned(both)).toBe('del-main');
    await configurations.remove('del-main', true, 'tester');
    expect(await assigned(both)).toBe('del-fallback');
    expect(await assigned(only)).toBeNull();
  });

  it('keeps a pin written by a concurrent reassignment of the same agent', async () => {
    // A label change reaches the server twice (the REST write and the agent's next message), so
    // two reassignments of one agent can run at once. The first pins the agent (a rollout's
    // joiner); the second must not compute from a snapshot taken before that pin committed.
    const [uid] = await insertAgents(databaseUrl, [{ labels: { race: 'before' } }]);
    const v1 = (await create('race', { race: 'after' })).configuration;
    await configurations.update('race', { rawConfig: 'race: 2' }, 'tester');
    await sql(databaseUrl, `UPDATE agents SET labels = '{"race": "after"}' WHERE instance_uid = $1`, [uid]);
    let entered!: () => void;
    const inHook = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const pinning = new ConfigAssignmentService(
      new ConfigAssignmentRepository(dataSource, identity),
      repository,
      ConfigChangeNotifier.of({ assignmentsChanged: () => Promise.resolve() }),
      AgentsAssignedHooks.of({
        agentsAssigned: async (_manager, changes) => {
          entered();
          await released;
          return [
            { configurationId: v1.id, version: 1, configHash: v1.configHash, instanceUids: [changes[0].instanceUid] },
          ];
        },
      }),
    );
    const first = pinning.recomputeForAgents([uid]);
    await inHook;
    const second = sut.recomputeForAgents([uid]);
    // The second waits for the agent's row, which the first holds until it commits.
    await eventually(
      async () =>
        Number(
          (
            await sql<{ waiting: string }>(
              databaseUrl,
              `SELECT count(*) AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`,
            )
          )[0].waiting,
        ) > 0,
      { what: 'the second reassignment waiting for the row lock' },
    );
    release();
    expect(await first).toEqual([expect.objectContaining({ instanceUid: uid, version: 1, configHash: v1.configHash })]);
    expect(await second).toEqual([]);
    expect(await sut.assignmentFor(uid)).toEqual(
      expect.objectContaining({ assignedVersion: 1, desiredConfigHash: v1.configHash }),
    );
  });

  it('answers null for an unknown agent', async () => {
    expect(await sut.assignmentFor('00000000-0000-4000-8000-000000000000')).toBeNull();
  });
});
