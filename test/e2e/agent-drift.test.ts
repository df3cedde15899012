import request from 'supertest';
import { AgentCapabilities, RemoteConfigStatuses, type ServerToAgent } from '../../src/opamp/proto/opamp.types.js';
import { eventually } from '../support/eventually.js';
import { BASIC_CAPABILITIES, description, uidText, WsTestAgent } from '../support/opamp-agents.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const DESIRED = `receivers:
  otlp:
    protocols:
      grpc: {}
exporters:
  otlphttp:
    endpoint: https://ingest.example.com
    headers:
      Authorization: \${env:INGEST_TOKEN}
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [otlphttp]
`;

const effective = (body: string) => ({
  config_map: { config_map: { '': { body: Buffer.from(body), content_type: 'text/yaml' } } },
});

interface AgentView {
  drift: string;
  drift_paths: string[] | null;
  effective_config: Record<string, { body: string }> | null;
}

describe('drift of effective configs from the desired configuration (e2e)', () => {
  let app: TestApp;
  let operator: string;
  let viewer: string;
  let key: string;
  const agents: WsTestAgent[] = [];

  const get = (path: string) => request(app.url).get(`/api/v1${path}`).set('Authorization', `Bearer ${viewer}`);
  const agentView = async (id: string): Promise<AgentView> =>
    (await get(`/agents/${id}`).expect(200)).body as AgentView;
  const driftOf = (id: string, state: string) =>
    eventually(async () => {
      const view = await agentView(id);
      return view.drift === state && view;
    }, 8000);

  /** Connects, waits for the configuration offer, and returns the offered hash. */
  async function connectAndGetOffer(name: string): Promise<{ agent: WsTestAgent; hash: Uint8Array; id: string }> {
    const agent = await WsTestAgent.connect(app.opampUrl, key);
    agents.push(agent);
    agent.send({ agent_description: description(name, { env: 'drift' }) });
    const offer = await eventually(async () => {
      await agent.message(1);
      return agent.received.find((m: ServerToAgent) => m.remote_config);
    }, 8000);
    return { agent, hash: offer.remote_config!.config_hash!, id: uidText(agent.uid) };
  }

  beforeAll(async () => {
    app = await startTestApp();
    const admin = await app.login();
    operator = await app.tokenFor('operator');
    viewer = await app.tokenFor('viewer');
    key = (
      await request(app.url).post('/api/v1/agent-keys').set('Authorization', `Bearer ${admin}`).send({ name: 'drift' })
    ).body.key as string;
    await request(app.url)
      .post('/api/v1/configurations')
      .set('Authorization', `Bearer ${operator}`)
      .send({ name: 'drift-config', raw_config: DESIRED, selector: { env: 'drift' } })
      .expect(201);
  });

  afterAll(async () => {
    agents.forEach((agent) => agent.close());
    await app.close();
  });

  it('pending while the offer is unanswered, in_sync once the agent runs it with its secret substituted', async () => {
    const { agent, hash, id } = await connectAndGetOffer('in-sync');
    await driftOf(id, 'pending');
    agent.send({
      remote_config_status: { last_remote_config_hash: hash, status: RemoteConfigStatuses.APPLIED },
      effective_config: effective(DESIRED.replace('${env:INGEST_TOKEN}', 'Bearer locally-substituted-secret-9d1')),
    });
    const view = await driftOf(id, 'in_sync');
    expect(view.drift_paths).toBeNull();
    expect(JSON.stringify(view)).not.toContain('locally-substituted-secret-9d1');
    const drift = await get(`/agents/${id}/drift`).expect(200);
    expect(drift.body).toEqual(
      expect.objectContaining({
        status: 'in_sync',
        differences: [],
        configuration: expect.objectContaining({ name: 'drift-config', version: 1 }),
      }),
    );
  });

  it('drifted with the path of an extra exporter; listed by ?drift=drifted, counted in stats and /metrics', async () => {
    const { agent, hash, id } = await connectAndGetOffer('drifted');
    const withDebug = DESIRED.replace(
      'exporters:\n  otlphttp:',
      'exporters:\n  debug:\n    verbosity: detailed\n  otlphttp:',
    );
    agent.send({
      remote_config_status: { last_remote_config_hash: hash, status: RemoteConfigStatuses.APPLIED },
      effective_config: effective(withDebug),
    });
    const view = await driftOf(id, 'drifted');
    expect(view.drift_paths).toEqual(['exporters.debug']);

    const drift = await get(`/agents/${id}/drift`).expect(200);
    expect(drift.body.differences).toEqual([
      { file: '', path: 'exporters.debug', desired: null, effective: { verbosity: 'detailed' } },
    ]);
    expect(drift.body.unified_diff).toContain('+  debug:');

    const listed = await get('/agents?drift=drifted').expect(200);
    expect(listed.body.map((a: { instance_uid: string }) => a.instance_uid)).toEqual([id]);
    expect(listed.body[0].drift).toBe('drifted');
    await get('/agents?drift=sideways').expect(400);
    const stats = await get('/agents/stats').expect(200);
    expect(stats.body.by_drift).toEqual(expect.objectContaining({ drifted: 1, in_sync: 1 }));
    const metrics = await request(app.url).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/opamp_agents_drift\{state="drifted"\} 1\n/);

    // Heartbeats do not recompute: the state's time stays.
    const before = (await get(`/agents/${id}/drift`).expect(200)).body.checked_at as string;
    await agent.exchange({});
    await agent.exchange({});
    expect((await get(`/agents/${id}/drift`).expect(200)).body.checked_at).toBe(before);

    // The agent goes back to what it was sent: in sync again.
    agent.send({ effective_config: effective(DESIRED) });
    await driftOf(id, 'in_sync');
  });

  it('a changed literal secret is drift, a new version makes agents pending, no configuration is unknown', async () => {
    await request(app.url)
      .put('/api/v1/configurations/drift-config')
      .set('Authorization', `Bearer ${operator}`)
      .send({ raw_config: `${DESIRED}extensions:\n  bearertokenauth:\n    token: literal-secret-in-desired\n` })
      .expect(200);
    const { agent, hash, id } = await connectAndGetOffer('literal');
    // Everyone assigned the configuration waits for version 2 now.
    const stats = await eventually(async () => {
      const body = (await get('/agents/stats').expect(200)).body as { by_drift: Record<string, number> };
      return body.by_drift.pending === 3 && body;
    }, 8000);
    expect(stats.by_drift.in_sync).toBe(0);
    const applied = `${DESIRED}extensions:\n  bearertokenauth:\n    token: literal-secret-changed-locally\n`;
    agent.send({
      remote_config_status: { last_remote_config_hash: hash, status: RemoteConfigStatuses.APPLIED },
      effective_config: effective(applied),
    });
    expect((await driftOf(id, 'drifted')).drift_paths).toEqual(['extensions.bearertokenauth.token']);

    // An agent no configuration selects has nothing to drift from.
    const loner = await WsTestAgent.connect(app.opampUrl, key);
    agents.push(loner);
    await loner.exchange({
      capabilities: BASIC_CAPABILITIES | AgentCapabilities.ReportsEffectiveConfig,
      agent_description: description('loner', { env: 'elsewhere' }),
      effective_config: effective('receivers: {}\n'),
    });
    const lonerView = await eventually(async () => {
      const view = await agentView(uidText(loner.uid));
      return view.effective_config ? view : undefined;
    });
    expect(lonerView.drift).toBe('unknown');
    expect((await get(`/agents/${uidText(loner.uid)}/drift`).expect(200)).body).toEqual(
      expect.objectContaining({ status: 'unknown', configuration: null, differences: [], unified_diff: null }),
    );
    await get('/agents/00000000-0000-0000-0000-000000000000/drift').expect(404);
  });
});
