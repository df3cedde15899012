import { createOpAMPClient } from '@elastic/opamp-client-node';
import zlib from 'node:zlib';
import request from 'supertest';
import { AgentCapabilities, ServerToAgentFlags } from '../../src/opamp/proto/opamp.types.js';
import { eventually } from '../support/eventually.js';
import {
  BASIC_CAPABILITIES,
  codec,
  description,
  httpPoll,
  newUid,
  uidText,
  WsTestAgent,
} from '../support/opamp-agents.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// A long host name makes the first reply (which echoes the endpoint) big enough to be worth gzip.
const LONG_HOST = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.example.com:4320`;

describe('OpAMP over plain HTTP (e2e)', () => {
  let app: TestApp;
  let admin: string;
  let key: string;

  const agentApi = (uid: string) =>
    request(app.url).get(`/api/v1/agents/${uid}`).set('Authorization', `Bearer ${admin}`);

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_HEARTBEAT_SECONDS: '1', OPAMP_MAX_MESSAGE_BYTES: '65536' });
    admin = await app.login();
    key = (
      await request(app.url)
        .post('/api/v1/agent-keys')
        .set('Authorization', `Bearer ${admin}`)
        .send({ name: 'http tests' })
        .expect(201)
    ).body.key;
  });

  afterAll(async () => {
    await app.close();
  });

  describe('with the real @elastic/opamp-client-node client', () => {
    it('shows up with its description, stays online on heartbeats, and goes offline after it stops', async () => {
      const client = createOpAMPClient({
        endpoint: app.opampUrl,
        headers: { Authorization: `Bearer ${key}` },
        heartbeatIntervalSeconds: 0.2,
      });
      client.setAgentDescription({
        identifyingAttributes: { 'service.name': 'edot-checkout', 'service.version': '9.1.0' },
        nonIdentifyingAttributes: { 'host.name': 'checkout-1' },
      });
      const started = Date.now();
      client.start();
      const listed = await eventually(async () => {
        const response = await request(app.url)
          .get('/api/v1/agents?q=edot-checkout')
          .set('Authorization', `Bearer ${admin}`);
        return response.body[0];
      });
      expect(Date.now() - started).toBeLessThan(3000);
      expect(listed).toEqual(
        expect.objectContaining({
          name: 'edot-checkout',
          agent_version: '9.1.0',
          host_name: 'checkout-1',
          status: 'online',
        }),
      );
      expect(listed.transport).toBe('http');
      // Several heartbeats later it is still online, and last_seen moved.
      const later = await eventually(async () => {
        const body = (await agentApi(listed.instance_uid).expect(200)).body;
        return Number(body.sequence_num) > 3 && body;
      }, 6000);
      expect(later.status).toBe('online');
      expect(Date.parse(later.last_seen_at)).toBeGreaterThan(Date.parse(listed.last_seen_at));
      await client.shutdown();
      await eventually(async () => (await agentApi(listed.instance_uid)).body.status === 'offline', 6000);
    });

    it('honours new_instance_uid when its uid duplicates a live agent', async () => {
      const holder = await WsTestAgent.connect(app.opampUrl, key);
      await holder.exchange({ agent_description: description('uid-holder') });
      const client = createOpAMPClient({
        endpoint: app.opampUrl,
        headers: { Authorization: `Bearer ${key}` },
        instanceUid: Buffer.from(holder.uid),
        heartbeatIntervalSeconds: 0.2,
      });
      client.setAgentDescription({ identifyingAttributes: { 'service.name': 'edot-clone' } });
      client.start();
      const clone = await eventually(async () => {
        const response = await request(app.url)
          .get('/api/v1/agents?q=edot-clone')
          .set('Authorization', `Bearer ${admin}`);
        return response.body[0];
      }, 8000);
      expect(clone.instance_uid).not.toBe(uidText(holder.uid));
      expect((await agentApi(uidText(holder.uid))).body.name).toBe('uid-holder');
      await client.shutdown();
      holder.close();
    });
  });

  it('answers with exactly application/x-protobuf, echoes the uid, and offers capabilities first', async () => {
    const uid = newUid();
    const first = await httpPoll(
      app.opampUrl,
      { instance_uid: uid, sequence_num: 1, capabilities: 1, agent_description: description('raw-http') },
      { key },
    );
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/x-protobuf');
    expect(Buffer.from(first.message!.instance_uid!)).toEqual(Buffer.from(uid));
    expect(first.message!.capabilities! & 1).toBe(1);
    const second = await httpPoll(app.opampUrl, { instance_uid: uid, sequence_num: 2, capabilities: 1 }, { key });
    expect(second.message!.capabilities ?? 0).toBe(0);
    const gap = await httpPoll(app.opampUrl, { instance_uid: uid, sequence_num: 9, capabilities: 1 }, { key });
    expect(gap.message!.flags! & ServerToAgentFlags.ReportFullState).toBe(ServerToAgentFlags.ReportFullState);
  });

  it('accepts gzip request bodies and gzips large responses when asked', async () => {
    const uid = newUid();
    const reply = await httpPoll(
      app.opampUrl,
      { instance_uid: uid, sequence_num: 1, capabilities: 1, agent_description: description('gzip-agent') },
      { key, gzip: true },
    );
    expect(reply.status).toBe(200);
    expect((await agentApi(uidText(uid)).expect(200)).body.name).toBe('gzip-agent');
    // A raw request that asks for gzip and checks the encoding itself (fetch would inflate silently).
    const restartable = BASIC_CAPABILITIES | AgentCapabilities.AcceptsOpAMPConnectionSettings;
    const body = Buffer.from(
      codec.encodeAgentToServer({
        instance_uid: newUid(),
        sequence_num: 1,
        capabilities: restartable,
        agent_description: description('x'.repeat(600)),
      }),
    );
    const response = await request(app.opampUrl.replace('/v1/opamp', ''))
      .post('/v1/opamp')
      .set('Content-Type', 'application/x-protobuf')
      .set('Authorization', `Bearer ${key}`)
      .set('Accept-Encoding', 'gzip')
      .set('Host', LONG_HOST)
      .send(body)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(response.status).toBe(200);
    expect(response.headers['content-encoding']).toBe('gzip');
    const decoded = codec.decodeServerToAgent(response.body as Buffer);
    // The connection settings offer carries the heartbeat and the endpoint the agent used.
    expect(decoded.connection_settings?.opamp?.heartbeat_interval_seconds).toBe(1);
    expect(decoded.connection_settings?.opamp?.destination_endpoint).toBe(`http://${LONG_HOST}/v1/opamp`);
  });

  it('delivers a message queued for an HTTP agent on its next poll', async () => {
    const uid = newUid();
    const capabilities = BASIC_CAPABILITIES | AgentCapabilities.AcceptsRestartCommand;
    await httpPoll(
      app.opampUrl,
      { instance_uid: uid, sequence_num: 1, capabilities, agent_description: description('poller') },
      { key },
    );
    await request(app.url)
      .post(`/api/v1/agents/${uidText(uid)}/restart`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(202);
    const next = await httpPoll(app.opampUrl, { instance_uid: uid, sequence_num: 2, capabilities }, { key });
    expect(next.message!.command).toBeDefined();
    const after = await httpPoll(app.opampUrl, { instance_uid: uid, sequence_num: 3, capabilities }, { key });
    expect(after.message!.command).toBeUndefined();
  });

  it('marks a silent HTTP agent offline after 2.5 heartbeat intervals', async () => {
    const uid = newUid();
    await httpPoll(
      app.opampUrl,
      { instance_uid: uid, sequence_num: 1, capabilities: 1, agent_description: description('quiet') },
      { key },
    );
    expect((await agentApi(uidText(uid))).body.status).toBe('online');
    const went = Date.now();
    await eventually(async () => (await agentApi(uidText(uid))).body.status === 'offline', 8000);
    expect(Date.now() - went).toBeGreaterThanOrEqual(2000);
  });

  it('exports OpAMP metrics', async () => {
    const metrics = await request(app.url).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/opamp_messages_received_total\{transport="http"\} [1-9]/);
    expect(metrics.text).toContain('opamp_connected_agents{transport="websocket"}');
    expect(metrics.text).toContain('opamp_message_handler_seconds_bucket');
  });

  describe('bad input', () => {
    it('refuses a missing or invalid key with 401', async () => {
      const message = { instance_uid: newUid(), sequence_num: 1, capabilities: 1 };
      expect((await httpPoll(app.opampUrl, message)).status).toBe(401);
      expect((await httpPoll(app.opampUrl, message, { key: 'opk_nope' })).status).toBe(401);
    });

    it('refuses a request without the protobuf content type with 415', async () => {
      const response = await fetch(app.opampUrl, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(response.status).toBe(415);
      expect(await response.text()).toContain('application/x-protobuf');
      expect((await fetch(app.opampUrl, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(405);
    });

    it('refuses an oversized body with 413, before and after decompression (gzip bomb)', async () => {
      const big = await httpPoll(app.opampUrl, { instance_uid: newUid() }, { key, body: Buffer.alloc(70_000, 1) });
      expect(big.status).toBe(413);
      const bomb = zlib.gzipSync(Buffer.alloc(50 * 1024 * 1024)); // 50 MiB of zeros, ~50 KiB compressed
      const response = await fetch(app.opampUrl, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${key}`,
          'Content-Type': 'application/x-protobuf',
          'Content-Encoding': 'gzip',
        },
        body: bomb,
      });
      expect(response.status).toBe(413);
    });

    it('answers garbage and a wrong-length uid with 400 and a BadRequest body', async () => {
      const garbage = await httpPoll(app.opampUrl, {}, { key, body: Buffer.from([0xff, 0xff, 0xff, 0x0f]) });
      expect(garbage.status).toBe(400);
      expect(garbage.message?.error_response?.type).toBe(1);
      const shortUid = await httpPoll(app.opampUrl, { instance_uid: Buffer.alloc(4), capabilities: 1 }, { key });
      expect(shortUid.message?.error_response?.type).toBe(1);
    });

    it('refuses an OpAMP-Instance-UID header that contradicts the body', async () => {
      const response = await httpPoll(
        app.opampUrl,
        { instance_uid: newUid(), sequence_num: 1, capabilities: 1 },
        { key, headers: { 'OpAMP-Instance-UID': uidText(newUid()) } },
      );
      expect(response.status).toBe(400);
      const uid = newUid();
      // A new agent right after the gzip bomb may meet the loop-lag admission (503) on a loaded machine.
      const matching = await admitted(() =>
        httpPoll(
          app.opampUrl,
          { instance_uid: uid, sequence_num: 1, capabilities: 1, agent_description: description('header-agent') },
          { key, headers: { 'OpAMP-Instance-UID': uidText(uid).toUpperCase() } },
        ),
      );
      expect(matching.status).toBe(200);
    });

    it('keeps serving after all of the above', async () => {
      const uid = newUid();
      const ok = await admitted(() =>
        httpPoll(
          app.opampUrl,
          { instance_uid: uid, sequence_num: 1, capabilities: 1, agent_description: description('survivor') },
          { key },
        ),
      );
      expect(ok.status).toBe(200);
      await request(app.url).get('/health').expect(200);
      const metrics = await request(app.url).get('/metrics').expect(200);
      expect(metrics.text).toMatch(/opamp_decode_errors_total\{transport="http",reason="too_large"\} [1-9]/);
      expect(metrics.text).toMatch(/opamp_refused_connections_total\{reason="unauthorized"\} [1-9]/);
    });
  });
});

/** Polls again while admission answers 503 (overload is a designed answer, not the subject here). */
function admitted<T extends { status: number }>(poll: () => Promise<T>): Promise<T> {
  return eventually(
    async () => {
      const response = await poll();
      return response.status === 503 ? undefined : response;
    },
    { timeoutMs: 15_000, everyMs: 500, what: 'an answer other than 503' },
  );
}
