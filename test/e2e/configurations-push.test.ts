import { createOpAMPClient, RemoteConfigStatuses as ElasticStatuses } from '@elastic/opamp-client-node';
import request from 'supertest';
import { AgentCapabilities, RemoteConfigStatuses, type ServerToAgent } from '../../src/opamp/proto/opamp.types.js';
import { eventually } from '../support/eventually.js';
import { BASIC_CAPABILITIES, description, httpPoll, newUid, uidText, WsTestAgent } from '../support/opamp-agents.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// The client announces only status and heartbeats unless told it accepts remote config.
const ELASTIC_CAPABILITIES = BigInt(AgentCapabilities.AcceptsRemoteConfig | AgentCapabilities.ReportsRemoteConfig);
const YAML_V1 = 'exporters:\n  otlp:\n    endpoint: prod.com:4317\n';
const YAML_V2 = 'exporters:\n  otlp:\n    endpoint: prod.com:4318\n';

function configBody(message: ServerToAgent | undefined, key = ''): string | undefined {
  const file = message?.remote_config?.config?.config_map?.[key];
  return file ? Buffer.from(file.body!).toString('utf8') : undefined;
}

function hashOf(message: ServerToAgent | undefined): string | undefined {
  const hash = message?.remote_config?.config_hash;
  return hash ? Buffer.from(hash).toString('hex') : undefined;
}

describe('configurations: push over OpAMP and apply tracking (e2e)', () => {
  let app: TestApp;
  let operator: string;
  let viewer: string;
  let key: string;

  const api = (token: string) => ({
    get: (path: string) => request(app.url).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`),
    post: (path: string, body?: object) =>
      request(app.url)
        .post(`/api/v1${path}`)
        .set('Authorization', `Bearer ${token}`)
        .send(body ?? {}),
    put: (path: string, body: object) =>
      request(app.url).put(`/api/v1${path}`).set('Authorization', `Bearer ${token}`).send(body),
  });
  const applyStatuses = async (name: string, agentId: string): Promise<string[]> =>
    (await api(viewer).get(`/configurations/${name}/apply-history?agent_id=${agentId}`).expect(200)).body.map(
      (r: { status: string }) => r.status,
    );

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_HEARTBEAT_SECONDS: '1' });
    const admin = await app.login();
    operator = await app.tokenFor('operator');
    viewer = await app.tokenFor('viewer');
    key = (
      await request(app.url).post('/api/v1/agent-keys').set('Authorization', `Bearer ${admin}`).send({ name: 'push' })
    ).body.key;
  });

  afterAll(async () => {
    await app.close();
  });

  it('pushes to a WebSocket agent at once on create, update and explicit push, and tracks APPLYING -> APPLIED', async () => {
    const agent = await WsTestAgent.connect(app.opampUrl, key);
    const first = await agent.exchange({ agent_description: description('ws-collector', { env: 'ws-prod' }) });
    expect(first.remote_config).toBeUndefined();
    const agentId = uidText(agent.uid);

    let next = agent.received.length + 1;
    const created = await api(operator)
      .post('/configurations', { name: 'ws-config', raw_config: YAML_V1, selector: { env: 'ws-prod' } })
      .expect(201);
    // Auto push: the agent gets the config without asking.
    const offered = await agent.message(next);
    expect(configBody(offered)).toBe(YAML_V1);
    expect(offered.remote_config?.config?.config_map?.['']?.content_type).toBe('text/yaml');
    expect(hashOf(offered)).toBe(created.body.config_hash);
    expect(Buffer.from(offered.instance_uid!)).toEqual(Buffer.from(agent.uid));
    expect(await applyStatuses('ws-config', agentId)).toEqual(['pending']);

    const hash = Buffer.from(created.body.config_hash, 'hex');
    await agent.exchange({
      remote_config_status: { last_remote_config_hash: hash, status: RemoteConfigStatuses.APPLYING },
    });
    expect(await applyStatuses('ws-config', agentId)).toEqual(['applying']);
    const quiet = await agent.exchange({
      remote_config_status: { last_remote_config_hash: hash, status: RemoteConfigStatuses.APPLIED },
    });
    expect(quiet.remote_config).toBeUndefined();
    expect(await applyStatuses('ws-config', agentId)).toEqual(['applied']);
    // The inventory writes reported statuses in batches, so the agent row catches up shortly.
    const detail = await eventually(async () => {
      const response = await api(viewer).get(`/agents/${agentId}`).expect(200);
      return response.body.configuration?.in_sync ? response : undefined;
    });
    expect(detail.body.configuration).toEqual(
      expect.objectContaining({
        configuration_name: 'ws-config',
        assigned_version: 1,
        in_sync: true,
        apply_status: 'applied',
      }),
    );

    next = agent.received.length + 1;
    const updated = await api(operator).put('/configurations/ws-config', { raw_config: YAML_V2 }).expect(200);
    const v2 = await agent.message(next);
    expect(configBody(v2)).toBe(YAML_V2);
    expect(hashOf(v2)).toBe(updated.body.config_hash);

    next = agent.received.length + 1;
    const pushed = await api(operator).post('/configurations/ws-config/push').expect(200);
    expect(pushed.body).toEqual({
      push_id: expect.any(String),
      configuration: 'ws-config',
      version: 2,
      targeted: 1,
      sent: 1,
      forwarded: 0,
      skipped: [],
    });
    expect(hashOf(await agent.message(next))).toBe(updated.body.config_hash);
    const summary = await api(viewer).get(`/configurations/ws-config/push/${pushed.body.push_id}`).expect(200);
    expect(summary.body).toEqual(
      expect.objectContaining({ version: 2, targeted: 1, sent: 1, forwarded: 0, skipped: 0, total: 1 }),
    );
    expect(Date.parse(summary.body.created_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(summary.body.counts.pending).toBe(1);
    await agent.exchange({
      remote_config_status: {
        last_remote_config_hash: Buffer.from(updated.body.config_hash, 'hex'),
        status: RemoteConfigStatuses.APPLIED,
      },
    });
    const after = await api(viewer).get(`/configurations/ws-config/push/${pushed.body.push_id}`).expect(200);
    expect(after.body).toEqual(expect.objectContaining({ total: 1, counts: expect.objectContaining({ applied: 1 }) }));

    // A push that reaches nobody (the agent already runs it) offers nothing, yet its id is known.
    const idle = await api(operator).post('/configurations/ws-config/push').expect(200);
    expect(idle.body).toEqual(
      expect.objectContaining({ sent: 0, skipped: [{ agent_id: uidText(agent.uid), reason: 'already_applied' }] }),
    );
    const idleSummary = await api(viewer).get(`/configurations/ws-config/push/${idle.body.push_id}`).expect(200);
    expect(idleSummary.body).toEqual(
      expect.objectContaining({ version: 2, targeted: 1, sent: 0, forwarded: 0, skipped: 1, total: 0 }),
    );
    // A push id of another configuration is not this one's.
    await api(operator).post('/configurations').send({ name: 'other-config', raw_config: YAML_V1 }).expect(201);
    await api(viewer).get(`/configurations/other-config/push/${idle.body.push_id}`).expect(404);
    agent.close();
  });

  it('records rolled_back when an agent fails the new version and returns to the old one, and stops offering it', async () => {
    const agent = await WsTestAgent.connect(app.opampUrl, key);
    await agent.exchange({ agent_description: description('careful', { env: 'careful' }) });
    let next = agent.received.length + 1;
    const v1 = await api(operator)
      .post('/configurations', { name: 'careful', raw_config: YAML_V1, selector: { env: 'careful' } })
      .expect(201);
    await agent.message(next);
    const status = (hash: string, value: number, error_message?: string) => ({
      remote_config_status: { last_remote_config_hash: Buffer.from(hash, 'hex'), status: value, error_message },
    });
    await agent.exchange(status(v1.body.config_hash, RemoteConfigStatuses.APPLIED));
    next = agent.received.length + 1;
    const v2 = await api(operator).put('/configurations/careful', { raw_config: YAML_V2 }).expect(200);
    expect(hashOf(await agent.message(next))).toBe(v2.body.config_hash);
    await agent.exchange(status(v2.body.config_hash, RemoteConfigStatuses.FAILED, 'port 4318 in use'));
    const back = await agent.exchange(status(v1.body.config_hash, RemoteConfigStatuses.APPLIED));
    expect(back.remote_config).toBeUndefined();
    const rows = (
      await api(viewer)
        .get(`/configurations/careful/apply-history?agent_id=${uidText(agent.uid)}`)
        .expect(200)
    ).body;
    expect(
      rows.map((r: { version: number; status: string; error_message: string | null }) => [
        r.version,
        r.status,
        r.error_message,
      ]),
    ).toEqual([
      [2, 'rolled_back', 'port 4318 in use'],
      [1, 'applied', null],
    ]);
    // Heartbeats on the old config do not bring the failed version back.
    expect((await agent.exchange()).remote_config).toBeUndefined();
    agent.close();
  });

  it('explains what a targeted push skipped, and refuses a viewer', async () => {
    const agent = await WsTestAgent.connect(app.opampUrl, key);
    await agent.exchange({ agent_description: description('batch-a', { env: 'batch' }) });
    const blind = await WsTestAgent.connect(app.opampUrl, key);
    await blind.exchange({ capabilities: 1, agent_description: description('batch-b', { env: 'batch' }) });
    const other = await WsTestAgent.connect(app.opampUrl, key);
    await other.exchange({ agent_description: description('batch-c', { env: 'elsewhere' }) });
    await api(operator)
      .post('/configurations', { name: 'batch', raw_config: 'a: 1', selector: { env: 'batch' }, auto_push: false })
      .expect(201);
    const unknown = '00000000-0000-4000-8000-000000000001';
    const next = agent.received.length + 1;
    const result = await api(operator)
      .post('/configurations/batch/push', {
        agent_ids: [uidText(agent.uid), uidText(blind.uid), uidText(other.uid), unknown],
      })
      .expect(200);
    expect(result.body.targeted).toBe(2);
    expect(result.body.sent).toBe(1);
    expect(result.body.skipped).toEqual(
      expect.arrayContaining([
        { agent_id: uidText(blind.uid), reason: 'no_remote_config_capability' },
        { agent_id: uidText(other.uid), reason: 'not_assigned' },
        { agent_id: unknown, reason: 'unknown_agent' },
      ]),
    );
    expect(configBody(await agent.message(next))).toBe('a: 1');
    await api(viewer).post('/configurations/batch/push').expect(403);
    await api(operator)
      .post('/configurations/batch/push', { agent_ids: ['nope'] })
      .expect(400);
    await api(operator).post('/configurations/missing/push').expect(404);
    for (const a of [agent, blind, other]) {
      a.close();
    }
  });

  it('answers a push with wait: false (202) once it is recorded, and its summary fills in as it is carried out', async () => {
    const agents = await Promise.all([1, 2, 3].map(() => WsTestAgent.connect(app.opampUrl, key)));
    for (const [i, agent] of agents.entries()) {
      await agent.exchange({ agent_description: description(`nowait-${i}`, { env: 'nowait' }) });
    }
    const blind = await WsTestAgent.connect(app.opampUrl, key);
    await blind.exchange({ capabilities: 1, agent_description: description('nowait-blind', { env: 'nowait' }) });
    await api(operator)
      .post('/configurations', { name: 'nowait', raw_config: 'b: 2', selector: { env: 'nowait' }, auto_push: false })
      .expect(201);
    const next = agents.map((agent) => agent.received.length + 1);
    const pushed = await api(operator).post('/configurations/nowait/push', { wait: false }).expect(202);
    expect(pushed.body).toEqual({
      push_id: expect.any(String),
      configuration: 'nowait',
      version: 1,
      targeted: null,
      sent: null,
      forwarded: null,
      skipped: [],
    });
    // Recorded before the answer: its summary is there at once, whatever has been carried out.
    await api(viewer).get(`/configurations/nowait/push/${pushed.body.push_id}`).expect(200);
    for (const [i, agent] of agents.entries()) {
      expect(configBody(await agent.message(next[i]))).toBe('b: 2');
    }
    const summary = await eventually(async () => {
      const body = (await api(viewer).get(`/configurations/nowait/push/${pushed.body.push_id}`).expect(200)).body;
      expect(body.sent).toBe(3);
      return body;
    });
    expect(summary).toEqual(
      expect.objectContaining({ targeted: 4, sent: 3, forwarded: 0, skipped: 1, total: 3, error: null }),
    );
    await api(operator).post('/configurations/nowait/push', { wait: 'no' }).expect(400);
    for (const agent of [...agents, blind]) {
      agent.close();
    }
  });

  it('hands a push to an HTTP agent on its next poll, and records FAILED with its message without re-offering', async () => {
    const uid = newUid();
    let sequence = 0;
    const poll = (extra: object = {}) =>
      httpPoll(
        app.opampUrl,
        { instance_uid: uid, sequence_num: ++sequence, capabilities: BASIC_CAPABILITIES, ...extra },
        { key },
      );
    const first = await poll({ agent_description: description('http-collector', { env: 'http-prod' }) });
    expect(first.message?.remote_config).toBeUndefined();
    const created = await api(operator)
      .post('/configurations', { name: 'http-config', raw_config: YAML_V1, selector: { env: 'http-prod' } })
      .expect(201);
    const next = await poll();
    expect(configBody(next.message)).toBe(YAML_V1);
    expect(hashOf(next.message)).toBe(created.body.config_hash);

    const failed = await poll({
      remote_config_status: {
        last_remote_config_hash: Buffer.from(created.body.config_hash, 'hex'),
        status: RemoteConfigStatuses.FAILED,
        error_message: 'exporters::otlp: endpoint refused',
      },
    });
    expect(failed.message?.remote_config).toBeUndefined();
    const history = await api(viewer)
      .get(`/agents/${uidText(uid)}/apply-history`)
      .expect(200);
    expect(history.body).toEqual([
      expect.objectContaining({ status: 'failed', error_message: 'exporters::otlp: endpoint refused', version: 1 }),
    ]);
    expect((await poll()).message?.remote_config).toBeUndefined();
  });

  it('delivers to the real @elastic/opamp-client-node agent, which reports APPLIED (and FAILED)', async () => {
    await api(operator)
      .post('/configurations', {
        name: 'edot',
        raw_config: '{"logging_level": "debug"}',
        content_type: 'application/json',
        file_name: 'elastic',
        selector: { 'service.name': 'edot-shop' },
      })
      .expect(201);
    const received: string[] = [];
    const client = createOpAMPClient({
      endpoint: app.opampUrl,
      headers: { Authorization: `Bearer ${key}` },
      heartbeatIntervalSeconds: 0.1,
      capabilities: ELASTIC_CAPABILITIES,
      onMessage: ({ remoteConfig }) => {
        if (remoteConfig) {
          const file = remoteConfig.config?.configMap.elastic;
          received.push(`${file?.contentType} ${Buffer.from(file?.body ?? []).toString()}`);
          client.setRemoteConfigStatus({
            status: ElasticStatuses.RemoteConfigStatuses_APPLIED,
            lastRemoteConfigHash: remoteConfig.configHash,
          });
        }
      },
    });
    client.setAgentDescription({ identifyingAttributes: { 'service.name': 'edot-shop' } });
    client.start();
    try {
      const applied = await eventually(async () => {
        const rows = (await api(viewer).get('/configurations/edot/apply-history').expect(200)).body;
        return rows[0]?.status === 'applied' ? rows[0] : undefined;
      }, 8000);
      expect(received).toEqual(['application/json {"logging_level": "debug"}']);
      const synced = await eventually(async () => {
        const rows = (await api(viewer).get('/configurations/edot/agents').expect(200)).body;
        return rows[0]?.in_sync ? rows[0] : undefined;
      });
      expect(synced).toEqual(expect.objectContaining({ agent_id: applied.agent_id, reported_status: 'APPLIED' }));
    } finally {
      await client.shutdown();
    }

    const failing = createOpAMPClient({
      endpoint: app.opampUrl,
      headers: { Authorization: `Bearer ${key}` },
      heartbeatIntervalSeconds: 0.1,
      capabilities: ELASTIC_CAPABILITIES,
      onMessage: ({ remoteConfig }) => {
        if (remoteConfig) {
          failing.setRemoteConfigStatus({
            status: ElasticStatuses.RemoteConfigStatuses_FAILED,
            lastRemoteConfigHash: remoteConfig.configHash,
            errorMessage: 'unsupported setting logging_level',
          });
        }
      },
    });
    failing.setAgentDescription({ identifyingAttributes: { 'service.name': 'edot-shop', 'service.instance.id': 'b' } });
    failing.start();
    try {
      const failed = await eventually(async () => {
        const rows = (await api(viewer).get('/configurations/edot/apply-history?status=failed').expect(200)).body;
        return rows[0];
      }, 8000);
      expect(failed.error_message).toBe('unsupported setting logging_level');
      // It is not offered the failing version again in a loop.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const all = await api(viewer).get(`/configurations/edot/apply-history?agent_id=${failed.agent_id}`).expect(200);
      expect(all.body).toHaveLength(1);
    } finally {
      await failing.shutdown();
    }
  });
  it('skips an agent that failed the version (already_failed) unless forced, and records a forced re-offer the silent @elastic client fails again as failed', async () => {
    await api(operator)
      .post('/configurations', {
        name: 'edot-force',
        raw_config: '{"sampling": 2}',
        content_type: 'application/json',
        file_name: 'elastic',
        selector: { 'service.name': 'edot-force' },
      })
      .expect(201);
    let offers = 0;
    // Fails every offer with the same message: it reports the status once, then never again (unchanged).
    const client = createOpAMPClient({
      endpoint: app.opampUrl,
      headers: { Authorization: `Bearer ${key}` },
      heartbeatIntervalSeconds: 0.1,
      capabilities: ELASTIC_CAPABILITIES,
      onMessage: ({ remoteConfig }) => {
        if (remoteConfig) {
          offers += 1;
          client.setRemoteConfigStatus({
            status: ElasticStatuses.RemoteConfigStatuses_FAILED,
            lastRemoteConfigHash: remoteConfig.configHash,
            errorMessage: 'sampling must be below 1',
          });
        }
      },
    });
    client.setAgentDescription({ identifyingAttributes: { 'service.name': 'edot-force' } });
    client.start();
    try {
      const failed = await eventually(async () => {
        const rows = (await api(viewer).get('/configurations/edot-force/apply-history?status=failed').expect(200)).body;
        return rows[0];
      }, 8000);
      const agentId = failed.agent_id as string;

      const skipped = await api(operator)
        .post('/configurations/edot-force/push', { agent_ids: [agentId] })
        .expect(200);
      expect(skipped.body).toEqual(
        expect.objectContaining({ sent: 0, skipped: [{ agent_id: agentId, reason: 'already_failed' }] }),
      );
      await api(operator)
        .post('/configurations/edot-force/push', { agent_ids: [agentId], force: 'yes' })
        .expect(400);
      expect(offers).toBe(1);

      const forced = await api(operator)
        .post('/configurations/edot-force/push', { agent_ids: [agentId], force: true })
        .expect(200);
      expect(forced.body).toEqual(expect.objectContaining({ sent: 1, skipped: [] }));
      await eventually(() => Promise.resolve(offers === 2), 5000);
      // The client says nothing (its status did not change), yet the forced offer is settled as
      // failed within a few of its heartbeats, not left pending until the apply timeout.
      const summary = await eventually(async () => {
        const body = (await api(viewer).get(`/configurations/edot-force/push/${forced.body.push_id}`).expect(200)).body;
        return body.counts.failed === 1 ? body : undefined;
      }, 5000);
      expect(summary.counts).toEqual(expect.objectContaining({ pending: 0, applying: 0, timeout: 0, failed: 1 }));
      expect(await applyStatuses('edot-force', agentId)).toEqual(['failed', 'failed']);
    } finally {
      await client.shutdown();
    }
  });

  it('settles a forced re-offer from the report of an agent that answers it', async () => {
    const agent = await WsTestAgent.connect(app.opampUrl, key);
    await agent.exchange({ agent_description: description('retry', { env: 'retry' }) });
    let next = agent.received.length + 1;
    const created = await api(operator)
      .post('/configurations', { name: 'retry', raw_config: 'a: 1', selector: { env: 'retry' } })
      .expect(201);
    const hash = Buffer.from(created.body.config_hash, 'hex');
    await agent.message(next);
    await agent.exchange({
      remote_config_status: { last_remote_config_hash: hash, status: RemoteConfigStatuses.FAILED },
    });
    next = agent.received.length + 1;
    const forced = await api(operator).post('/configurations/retry/push', { force: true }).expect(200);
    expect(forced.body.sent).toBe(1);
    expect(hashOf(await agent.message(next))).toBe(created.body.config_hash);
    // A heartbeat that crossed the offer settles nothing; the agent's report does.
    await agent.exchange();
    await agent.exchange({
      remote_config_status: { last_remote_config_hash: hash, status: RemoteConfigStatuses.APPLIED },
    });
    const summary = await eventually(async () => {
      const body = (await api(viewer).get(`/configurations/retry/push/${forced.body.push_id}`).expect(200)).body;
      return body.counts.applied === 1 ? body : undefined;
    });
    expect(summary.total).toBe(1);
    expect(await applyStatuses('retry', uidText(agent.uid))).toEqual(['applied', 'failed']);
    agent.close();
  });
});
