import request from 'supertest';
import { AgentCapabilities, CommandType, ServerToAgentFlags } from '../../src/opamp/proto/opamp.types.js';
import { eventually } from '../support/eventually.js';
import { BASIC_CAPABILITIES, codec, description, randomUid, uidText, WsTestAgent } from '../support/opamp-agents.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('OpAMP over WebSocket (e2e, real sockets)', () => {
  let app: TestApp;
  let admin: string;
  let key: string;

  const getAgent = (uid: Uint8Array) =>
    request(app.url)
      .get(`/api/v1/agents/${uidText(uid)}`)
      .set('Authorization', `Bearer ${admin}`);

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_HEARTBEAT_SECONDS: '1', OPAMP_MAX_MESSAGE_BYTES: '65536' });
    admin = await app.login();
    const created = await request(app.url)
      .post('/api/v1/agent-keys')
      .set('Authorization', `Bearer ${admin}`)
      .send({ name: 'ws tests' })
      .expect(201);
    key = created.body.key;
  });

  afterAll(async () => {
    await app.close();
  });

  it('answers the first message with capabilities, the echoed uid and the header byte, and lists the agent', async () => {
    const agent = await WsTestAgent.connect(app.opampUrl, key);
    const reply = await agent.exchange({ agent_description: description('collector-a', { env: 'prod' }) });
    expect(agent.rawFrames[0][0]).toBe(0);
    expect(Buffer.from(reply.instance_uid!)).toEqual(Buffer.from(agent.uid));
    expect(reply.capabilities! & 0x1).toBe(1);
    expect(reply.flags ?? 0).toBe(0);
    const detail = await getAgent(agent.uid).expect(200);
    expect(detail.body).toEqual(
      expect.objectContaining({
        instance_uid: uidText(agent.uid),
        name: 'collector-a',
        agent_version: '1.2.3',
        host_name: 'collector-a-host',
        status: 'online',
        transport: 'websocket',
        non_identifying_attributes: expect.objectContaining({ env: 'prod', 'os.type': 'linux' }),
      }),
    );
    expect(detail.body.capabilities.names).toContain('AcceptsRemoteConfig');
    agent.close();
  });

  it('keeps compressed fields, stores health and effective config, and asks for full state after a gap', async () => {
    const agent = await WsTestAgent.connect(app.opampUrl, key);
    await agent.exchange({ agent_description: description('collector-b') });
    const heartbeat = await agent.exchange({});
    expect(heartbeat.flags ?? 0).toBe(0);
    expect(heartbeat.capabilities ?? 0).toBe(0); // only the first reply carries them
    await agent.exchange({
      health: {
        healthy: false,
        last_error: 'exporter down',
        component_health_map: { 'exporter/otlp': { healthy: false } },
      },
      effective_config: {
        config_map: { config_map: { '': { body: Buffer.from('receivers: {}\n'), content_type: 'text/yaml' } } },
      },
    });
    agent.sequence += 5; // a gap: the server missed messages
    const afterGap = await agent.exchange({});
    expect(afterGap.flags! & ServerToAgentFlags.ReportFullState).toBe(ServerToAgentFlags.ReportFullState);
    const detail = await eventually(async () => {
      const response = await getAgent(agent.uid);
      return response.body.healthy === false ? response : undefined;
    });
    expect(detail.body.name).toBe('collector-b');
    expect(detail.body.health).toEqual(expect.objectContaining({ healthy: false, last_error: 'exporter down' }));
    expect(detail.body.effective_config).toEqual({ '': { body: 'receivers: {}\n', content_type: 'text/yaml' } });
    agent.close();
  });

  it('asks a first message without a description for full state', async () => {
    const agent = await WsTestAgent.connect(app.opampUrl, key);
    const reply = await agent.exchange({});
    expect(reply.flags! & ServerToAgentFlags.ReportFullState).toBe(ServerToAgentFlags.ReportFullState);
    agent.close();
  });

  it('gives a duplicate live uid and a RequestInstanceUid agent a new uid', async () => {
    const original = await WsTestAgent.connect(app.opampUrl, key);
    await original.exchange({ agent_description: description('original') });
    const copy = await WsTestAgent.connect(app.opampUrl, key, original.uid);
    const reply = await copy.exchange({ agent_description: description('copy') });
    const newUid = reply.agent_identification?.new_instance_uid;
    expect(newUid).toHaveLength(16);
    expect(Buffer.from(newUid!)).not.toEqual(Buffer.from(original.uid));
    expect(Buffer.from(reply.instance_uid!)).toEqual(Buffer.from(original.uid));
    copy.uid = newUid!;
    await copy.exchange({ agent_description: description('copy') });
    expect((await getAgent(newUid!)).body.name).toBe('copy');
    expect((await getAgent(original.uid)).body.name).toBe('original');

    const asking = await WsTestAgent.connect(app.opampUrl, key);
    const answer = await asking.exchange({ flags: 1, agent_description: description('asking') });
    expect(answer.agent_identification?.new_instance_uid).toHaveLength(16);
    await getAgent(asking.uid).expect(404); // nothing stored under the abandoned uid
    for (const agent of [original, copy, asking]) {
      agent.close();
    }
  });

  it('sends a restart command alone to an agent that accepts it, and 409s one that does not', async () => {
    const able = await WsTestAgent.connect(app.opampUrl, key);
    await able.exchange({
      capabilities: BASIC_CAPABILITIES | AgentCapabilities.AcceptsRestartCommand,
      agent_description: description('restartable'),
    });
    const before = able.received.length;
    await request(app.url)
      .post(`/api/v1/agents/${uidText(able.uid)}/restart`)
      .set('Authorization', `Bearer ${await app.tokenFor('operator')}`)
      .expect(202);
    const command = await able.message(before + 1);
    expect(command.command).toBeDefined();
    // Restart is 0, the proto3 default: absent on the wire, so undefined after decoding; any other
    // command type would be present.
    expect([undefined, CommandType.Restart]).toContain(command.command!.type);
    expect(command.remote_config).toBeUndefined();

    const unable = await WsTestAgent.connect(app.opampUrl, key);
    await unable.exchange({ agent_description: description('not-restartable') });
    const refused = await request(app.url)
      .post(`/api/v1/agents/${uidText(unable.uid)}/restart`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(409);
    expect(refused.body.message).toContain('AcceptsRestartCommand');
    await request(app.url)
      .post(`/api/v1/agents/${uidText(unable.uid)}/restart`)
      .set('Authorization', `Bearer ${await app.tokenFor('viewer')}`)
      .expect(403);
    able.close();
    unable.close();
  });

  it('marks an agent offline on agent_disconnect and on a closed socket', async () => {
    const polite = await WsTestAgent.connect(app.opampUrl, key);
    await polite.exchange({ agent_description: description('polite') });
    polite.send({ agent_disconnect: {} });
    await eventually(async () => (await getAgent(polite.uid)).body.status === 'offline');

    const abrupt = await WsTestAgent.connect(app.opampUrl, key);
    await abrupt.exchange({ agent_description: description('abrupt') });
    abrupt.ws.terminate();
    const offline = await eventually(async () => {
      const response = await getAgent(abrupt.uid);
      return response.body.status === 'offline' ? response : undefined;
    });
    expect(offline.body.last_seen_at).toEqual(expect.any(String));
    polite.close();
  });

  it('labels agents, filters by selector, status and text, counts stats, and forgets only offline agents', async () => {
    // Any 16 bytes are a valid instance_uid, whatever their UUID version bits.
    const agent = await WsTestAgent.connect(app.opampUrl, key, randomUid());
    await agent.exchange({ agent_description: description('labelled-agent') });
    const operator = await app.tokenFor('operator');
    const labelled = await request(app.url)
      .put(`/api/v1/agents/${uidText(agent.uid)}/labels`)
      .set('Authorization', `Bearer ${operator}`)
      .send({ labels: { team: 'blue', tier: 'gold' } })
      .expect(200);
    expect(labelled.body.labels).toEqual({ team: 'blue', tier: 'gold' });
    await request(app.url)
      .put(`/api/v1/agents/${uidText(agent.uid)}/labels`)
      .set('Authorization', `Bearer ${operator}`)
      .send({ labels: { team: 42 } })
      .expect(400);

    const bySelector = await request(app.url)
      .get('/api/v1/agents?selector=team=blue,service.name=labelled-agent&status=online')
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(bySelector.body.map((a: { instance_uid: string }) => a.instance_uid)).toEqual([uidText(agent.uid)]);
    expect(bySelector.headers['x-total-count']).toBe('1');
    // A label overrides an attribute of the same key, as in every other selector of the platform.
    await request(app.url)
      .put(`/api/v1/agents/${uidText(agent.uid)}/labels`)
      .set('Authorization', `Bearer ${operator}`)
      .send({ labels: { team: 'blue', tier: 'gold', 'os.type': 'custom' } })
      .expect(200);
    const shadowed = await request(app.url)
      .get('/api/v1/agents?selector=os.type=linux,team=blue')
      .set('Authorization', `Bearer ${admin}`);
    expect(shadowed.body).toEqual([]);
    const overridden = await request(app.url)
      .get('/api/v1/agents?selector=os.type=custom')
      .set('Authorization', `Bearer ${admin}`);
    expect(overridden.body).toHaveLength(1);
    const byText = await request(app.url).get('/api/v1/agents?q=LABELLED').set('Authorization', `Bearer ${admin}`);
    expect(byText.body).toHaveLength(1);
    await request(app.url).get('/api/v1/agents?selector=broken').set('Authorization', `Bearer ${admin}`).expect(400);
    await request(app.url).get('/api/v1/agents?sort=password').set('Authorization', `Bearer ${admin}`).expect(400);

    const stats = await request(app.url)
      .get('/api/v1/agents/stats')
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(stats.body.by_status.online).toBeGreaterThanOrEqual(1);
    expect(stats.body.by_version['1.2.3']).toBeGreaterThanOrEqual(1);

    await request(app.url)
      .delete(`/api/v1/agents/${uidText(agent.uid)}`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(409);
    agent.close();
    await eventually(async () => (await getAgent(agent.uid)).body.status === 'offline');
    await request(app.url)
      .delete(`/api/v1/agents/${uidText(agent.uid)}`)
      .set('Authorization', `Bearer ${operator}`)
      .expect(403);
    await request(app.url)
      .delete(`/api/v1/agents/${uidText(agent.uid)}`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(204);
    await getAgent(agent.uid).expect(404);
    await request(app.url).get('/api/v1/agents/not-a-uuid').set('Authorization', `Bearer ${admin}`).expect(400);
  });

  describe('bad input, while another agent keeps being served', () => {
    let bystander: WsTestAgent;

    beforeAll(async () => {
      bystander = await WsTestAgent.connect(app.opampUrl, key);
      await bystander.exchange({ agent_description: description('bystander') });
    });

    afterEach(async () => {
      const reply = await bystander.exchange({});
      expect(Buffer.from(reply.instance_uid!)).toEqual(Buffer.from(bystander.uid));
    });

    afterAll(() => bystander.close());

    it('closes on a non-zero header with 1002', async () => {
      const agent = await WsTestAgent.connect(app.opampUrl, key);
      agent.sendRaw(
        Buffer.concat([Buffer.of(1), codec.encodeAgentToServer({ instance_uid: agent.uid, capabilities: 1 })]),
      );
      expect(await agent.closed()).toBe(1002);
    });

    it('answers a truncated or garbage protobuf with BadRequest and stays open', async () => {
      const agent = await WsTestAgent.connect(app.opampUrl, key);
      const bytes = codec.encodeAgentToServer({ instance_uid: agent.uid, sequence_num: 1, capabilities: 1 });
      agent.sendRaw(Buffer.concat([Buffer.of(0), Buffer.from(bytes.slice(0, 6))]));
      const truncated = await agent.message(1);
      expect(truncated.error_response?.type).toBe(1);
      agent.sendRaw(Buffer.concat([Buffer.of(0), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01])]));
      expect((await agent.message(2)).error_response?.type).toBe(1);
      const healthy = await agent.exchange({ agent_description: description('recovered') });
      expect(healthy.error_response).toBeUndefined();
      agent.close();
    });

    it('answers an instance_uid of the wrong length with BadRequest', async () => {
      const agent = await WsTestAgent.connect(app.opampUrl, key);
      agent.sendRaw(
        Buffer.concat([Buffer.of(0), codec.encodeAgentToServer({ instance_uid: Buffer.alloc(8, 1), capabilities: 1 })]),
      );
      const reply = await agent.message(1);
      expect(reply.error_response?.type).toBe(1);
      expect(reply.error_response?.error_message).toContain('16 bytes');
      agent.close();
    });

    it('closes on a text frame with 1003', async () => {
      const agent = await WsTestAgent.connect(app.opampUrl, key);
      agent.sendRaw('hello', false);
      expect(await agent.closed()).toBe(1003);
    });

    it('closes an oversized message with 1009', async () => {
      const agent = await WsTestAgent.connect(app.opampUrl, key);
      agent.sendRaw(Buffer.concat([Buffer.of(0), Buffer.alloc(70_000, 1)]));
      expect(await agent.closed()).toBe(1009);
    });

    it('refuses a missing or invalid key with 401 before upgrading', async () => {
      await expect(WsTestAgent.connect(app.opampUrl)).rejects.toMatchObject({ status: 401 });
      await expect(WsTestAgent.connect(app.opampUrl, 'opk_wrong')).rejects.toMatchObject({ status: 401 });
    });

    it('refuses a revoked key', async () => {
      const created = await request(app.url)
        .post('/api/v1/agent-keys')
        .set('Authorization', `Bearer ${admin}`)
        .send({ name: 'to revoke' })
        .expect(201);
      const agent = await WsTestAgent.connect(app.opampUrl, created.body.key);
      agent.close();
      await request(app.url)
        .delete(`/api/v1/agent-keys/${created.body.id}`)
        .set('Authorization', `Bearer ${admin}`)
        .expect(204);
      await expect(WsTestAgent.connect(app.opampUrl, created.body.key)).rejects.toMatchObject({ status: 401 });
    });
  });
});

describe('OpAMP overload (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_MAX_CONNECTIONS: '2', OPAMP_ALLOW_ANONYMOUS: 'true' });
  });

  afterAll(async () => {
    await app.close();
  });

  it('refuses upgrades past the connection cap with 503 and a Retry-After, and admits again after', async () => {
    const first = await WsTestAgent.connect(app.opampUrl);
    const second = await WsTestAgent.connect(app.opampUrl);
    const refusal = await WsTestAgent.connect(app.opampUrl).then(
      () => undefined,
      (error: { status: number; headers: Record<string, string> }) => error,
    );
    expect(refusal?.status).toBe(503);
    expect(Number(refusal?.headers['retry-after'])).toBeGreaterThanOrEqual(30);
    first.close();
    await first.closed();
    const third = await eventually(() => WsTestAgent.connect(app.opampUrl).catch(() => undefined));
    expect((await third.exchange({ agent_description: description('third') })).error_response).toBeUndefined();
    second.close();
    third.close();
  });
});

describe('OpAMP admission while the event loop lags (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_MAX_LOOP_LAG_MS: '150', OPAMP_ALLOW_ANONYMOUS: 'true' });
  });

  afterAll(async () => {
    await app.close();
  });

  it('refuses new agents with 503 while the loop is far behind, keeps connected ones, and admits after', async () => {
    const connected = await WsTestAgent.connect(app.opampUrl);
    await connected.exchange({ agent_description: description('already-here') });
    // The server runs in this process: hold its event loop for 400 ms in every 500, as sustained
    // bursts of work would, for as long as the refusal takes to observe (however loaded the machine).
    const hold = (): void => {
      const until = Date.now() + 400;
      while (Date.now() < until) {
        // busy
      }
    };
    hold();
    const busy = setInterval(hold, 100);
    const refusal = await WsTestAgent.connect(app.opampUrl)
      .then(
        () => undefined,
        (error: { status: number; headers: Record<string, string> }) => error,
      )
      .finally(() => clearInterval(busy));
    expect(refusal?.status).toBe(503);
    expect(Number(refusal?.headers['retry-after'])).toBeGreaterThanOrEqual(10);
    // The agent that was already connected is answered as usual.
    expect((await connected.exchange({})).error_response).toBeUndefined();
    const metrics = await request(app.url).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/opamp_refused_connections_total\{reason="busy"\} 1/);
    // Within two measuring windows of a calm loop, new agents are admitted again.
    const admitted = await eventually(() => WsTestAgent.connect(app.opampUrl).catch(() => undefined), 5000);
    expect((await admitted.exchange({ agent_description: description('later') })).error_response).toBeUndefined();
    connected.close();
    admitted.close();
  });
});
