import { DataSource } from 'typeorm';
import { InstanceIdentity } from '../../src/agents/instance-identity.js';
import { loadConfig } from '../../src/config/app-config.js';
import { ApplyHistoryRepository } from '../../src/configurations/apply-history.repository.js';
import { ApplyEvents } from '../../src/configurations/apply-events.js';
import { ApplyHistoryService } from '../../src/configurations/apply-history.service.js';
import { ApplyRecordEntity } from '../../src/configurations/apply-record.entity.js';
import { ConfigAssignmentRepository } from '../../src/configurations/config-assignment.repository.js';
import { ConfigAssignmentService } from '../../src/configurations/config-assignment.service.js';
import { ConfigChangeNotifier } from '../../src/configurations/config-change-notifier.js';
import { ConfigurationVersionEntity } from '../../src/config-history/configuration-version.entity.js';
import { ConfigurationEntity } from '../../src/configurations/configuration.entity.js';
import { ConfigurationsRepository } from '../../src/configurations/configurations.repository.js';
import { ConfigHistoryRepository } from '../../src/config-history/config-history.repository.js';
import { ConfigHistoryService } from '../../src/config-history/config-history.service.js';
import { ConfigurationsService } from '../../src/configurations/configurations.service.js';
import { DesiredConfigCache } from '../../src/configurations/desired-config.cache.js';
import { RemoteConfigHandler } from '../../src/configurations/remote-config.handler.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import type { AgentMessageContext, AgentSnapshot } from '../../src/opamp/agent-message-handlers.js';
import {
  AgentCapabilities,
  RemoteConfigStatuses,
  type AgentToServer,
  type ServerToAgentDraft,
} from '../../src/opamp/proto/opamp.types.js';
import { insertAgents, sql } from '../support/agents.js';
import { createTestDatabase } from '../support/database.js';

const ACCEPTS = AgentCapabilities.ReportsStatus | AgentCapabilities.AcceptsRemoteConfig;

describe('the remote config message handler on a real PostgreSQL', () => {
  let databaseUrl: string;
  let dataSource: DataSource;
  let configurations: ConfigurationsService;
  let sut: RemoteConfigHandler;
  let queries = 0;

  function snapshot(uid: string, over: Partial<AgentSnapshot> = {}): AgentSnapshot {
    return {
      instanceUid: uid,
      capabilities: ACCEPTS,
      identifyingAttributes: { 'service.name': 'collector' },
      nonIdentifyingAttributes: {},
      labels: { env: 'production' },
      remoteConfigHash: null,
      remoteConfigStatus: null,
      remoteConfigError: null,
      ...over,
    };
  }
  async function send(
    agent: AgentSnapshot,
    message: AgentToServer = {},
    firstMessage = false,
  ): Promise<ServerToAgentDraft> {
    const reply: ServerToAgentDraft = {};
    const context: AgentMessageContext = { agent, message, transport: 'websocket', firstMessage };
    await sut.handle(context, reply);
    return reply;
  }
  const report = (hash: string, status: number, error?: string): AgentToServer => ({
    remote_config_status: { last_remote_config_hash: Buffer.from(hash, 'hex'), status, error_message: error },
  });
  const applyRows = (uid: string) =>
    sql<{ version: number; status: string; error_message: string | null }>(
      databaseUrl,
      'SELECT version, status, error_message FROM configuration_apply_history WHERE instance_uid = $1 ORDER BY offered_at',
      [uid],
    );

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    dataSource = new DataSource({
      ...dataSourceOptions(databaseUrl),
      entities: [ConfigurationEntity, ConfigurationVersionEntity, ApplyRecordEntity],
      logging: ['query'],
      logger: {
        logQuery: () => void queries++,
        logQueryError: () => undefined,
        logQuerySlow: () => undefined,
        logSchemaBuild: () => undefined,
        logMigration: () => undefined,
        log: () => undefined,
      },
    });
    await dataSource.initialize();
    const identity = new InstanceIdentity(loadConfig({}));
    const config = loadConfig({});
    // The handler listens to the services it is built from: the notifier reaches it once it exists.
    const notifier = ConfigChangeNotifier.of({ assignmentsChanged: (changes) => sut.assignmentsChanged(changes) });
    const repository = new ConfigurationsRepository(dataSource, identity);
    const assignmentRepository = new ConfigAssignmentRepository(dataSource, identity);
    const history = new ConfigHistoryService(new ConfigHistoryRepository(dataSource));
    configurations = new ConfigurationsService(repository, config, notifier, history);
    const assignments = new ConfigAssignmentService(assignmentRepository, repository, notifier);
    const applies = new ApplyHistoryService(
      new ApplyHistoryRepository(dataSource),
      repository,
      assignmentRepository,
      config,
      new ApplyEvents(),
    );
    sut = new RemoteConfigHandler(new DesiredConfigCache(assignmentRepository, history), assignments, applies);
    await configurations.create(
      { name: 'prod', rawConfig: 'exporters: {}\n', fileName: 'collector.yaml', selector: { env: 'production' } },
      'tester',
    );
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  it('offers the desired config once out of sync, tracks APPLYING and APPLIED, then stays quiet without queries', async () => {
    const [uid] = await insertAgents(databaseUrl, [{ labels: { env: 'production' } }]);
    const agent = snapshot(uid);
    const reply = await send(agent);
    const current = await configurations.get('prod');
    expect(reply.remote_config?.config_hash).toEqual(Buffer.from(current.configHash, 'hex'));
    const file = reply.remote_config?.config?.config_map?.['collector.yaml'];
    expect(Buffer.from(file?.body ?? []).toString()).toBe('exporters: {}\n');
    expect(file?.content_type).toBe('text/yaml');
    expect(await applyRows(uid)).toEqual([expect.objectContaining({ version: 1, status: 'pending' })]);

    // The agent has not answered yet: no repeat on the same connection, but again on a new one,
    // and never a second apply row.
    expect((await send(agent)).remote_config).toBeUndefined();
    expect((await send(agent, {}, true)).remote_config).toBeDefined();
    expect(await applyRows(uid)).toHaveLength(1);

    await send(
      { ...agent, remoteConfigHash: current.configHash, remoteConfigStatus: 'APPLYING' },
      report(current.configHash, RemoteConfigStatuses.APPLYING),
    );
    expect((await applyRows(uid))[0].status).toBe('applying');
    const synced = { ...agent, remoteConfigHash: current.configHash, remoteConfigStatus: 'APPLIED' as const };
    expect(
      (await send(synced, report(current.configHash, RemoteConfigStatuses.APPLIED))).remote_config,
    ).toBeUndefined();
    expect((await applyRows(uid))[0].status).toBe('applied');

    queries = 0;
    for (let i = 0; i < 20; i++) {
      expect((await send(synced)).remote_config).toBeUndefined();
    }
    expect(queries).toBe(0);
  });

  it('offers a new version at the next message after an update', async () => {
    const [uid] = await insertAgents(databaseUrl, [{ labels: { env: 'production' } }]);
    const v1 = await configurations.get('prod');
    const agent = snapshot(uid, { remoteConfigHash: v1.configHash, remoteConfigStatus: 'APPLIED' });
    await send(agent);
    const v2 = (await configurations.update('prod', { rawConfig: 'exporters: {debug: {}}\n' }, 'tester')).configuration;
    const reply = await send(agent);
    expect(reply.remote_config?.config_hash).toEqual(Buffer.from(v2.configHash, 'hex'));
  });

  it('records FAILED with its message, rolled_back when the agent returns to the old config, and does not loop', async () => {
    const [uid] = await insertAgents(databaseUrl, [{ labels: { env: 'production' } }]);
    const previous = 'ab'.repeat(32);
    const desired = (await configurations.get('prod')).configHash;
    const agent = snapshot(uid, { remoteConfigHash: previous, remoteConfigStatus: 'APPLIED' });
    expect((await send(agent)).remote_config).toBeDefined();
    await send(
      { ...agent, remoteConfigHash: desired, remoteConfigStatus: 'FAILED' },
      report(desired, RemoteConfigStatuses.FAILED, 'unknown exporter "debug"'),
    );
    expect(await applyRows(uid)).toEqual([
      expect.objectContaining({ status: 'failed', error_message: 'unknown exporter "debug"' }),
    ]);
    const back = await send(agent, report(previous, RemoteConfigStatuses.APPLIED));
    expect(back.remote_config).toBeUndefined();
    expect((await applyRows(uid))[0].status).toBe('rolled_back');
    expect((await send(agent)).remote_config).toBeUndefined();

    // A new version is offered again.
    await configurations.update('prod', { rawConfig: 'exporters: {otlp: {}}\n' }, 'tester');
    expect((await send(agent)).remote_config).toBeDefined();
  });

  it('reassigns an agent whose labels changed, and offers nothing to one without the capability', async () => {
    const [uid] = await insertAgents(databaseUrl, [{ labels: { env: 'staging' } }]);
    expect((await send(snapshot(uid, { labels: { env: 'staging' } }))).remote_config).toBeUndefined();
    await sql(databaseUrl, `UPDATE agents SET labels = '{"env": "production"}' WHERE instance_uid = $1`, [uid]);
    expect((await send(snapshot(uid))).remote_config).toBeDefined();

    const [blind] = await insertAgents(databaseUrl, [{ labels: { env: 'production' } }]);
    const reply = await send(snapshot(blind, { capabilities: AgentCapabilities.ReportsStatus }));
    expect(reply.remote_config).toBeUndefined();
    expect(await applyRows(blind)).toEqual([]);
  });
});
