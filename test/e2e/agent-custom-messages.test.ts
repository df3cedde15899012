import crypto from 'node:crypto';
import request from 'supertest';
import { ServerToAgentFlags } from '../../src/opamp/proto/opamp.types.js';
import { createTestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { description, httpPoll, newUid, uidText, WsTestAgent } from '../support/opamp-agents.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const CAPABILITY = 'io.example.echo';
const COMPONENTS = {
  components: {
    receivers: {
      sub_component_map: { otlp: { metadata: [{ key: 'code.namespace', value: { string_value: 'otlp' } }] } },
    },
  },
  hash: Buffer.from('c0ffee', 'hex'),
};

interface StoredMessage {
  direction: string;
  capability: string;
  type: string;
  data: string;
  size: number;
  truncated: boolean;
  sent_by: string | null;
}

describe('custom capabilities, custom messages and available components (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  let operator: string;
  let viewer: string;
  const agents: WsTestAgent[] = [];

  const api = (app: TestApp, token: string) => ({
    get: (path: string) => request(app.url).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`),
    post: (path: string, body: object) =>
      request(app.url).post(`/api/v1${path}`).set('Authorization', `Bearer ${token}`).send(body),
  });

  async function connect(app: TestApp, name: string, extra: object = {}): Promise<WsTestAgent> {
    const agent = await WsTestAgent.connect(app.opampUrl);
    agents.push(agent);
    await agent.exchange({
      agent_description: description(name),
      custom_capabilities: { capabilities: [CAPABILITY, 'io.example.other'] },
      ...extra,
    });
    return agent;
  }

  beforeAll(async () => {
    // Two instances on one database share the server secret, as a real cluster does.
    const shared = {
      DATABASE_URL: await createTestDatabase(),
      OPAMP_ALLOW_ANONYMOUS: 'true',
      JWT_SECRET: crypto.randomBytes(32).toString('hex'),
      CUSTOM_MESSAGES_KEPT: '5',
      CUSTOM_MESSAGE_MAX_BYTES: '1024',
    };
    a = await startTestApp({ ...shared, INSTANCE_ID: 'cm-a' });
    b = await startTestApp({ ...shared, INSTANCE_ID: 'cm-b' });
    operator = await a.tokenFor('operator');
    viewer = await a.tokenFor('viewer');
  });

  afterAll(async () => {
    agents.forEach((agent) => agent.close());
    await a.close();
    await b.close();
  });

  it('shows the announced custom capabilities and available components in the agent detail', async () => {
    const agent = await connect(a, 'announcer', { available_components: COMPONENTS });
    const detail = (
      await api(a, viewer)
        .get(`/agents/${uidText(agent.uid)}`)
        .expect(200)
    ).body;
    expect(detail.custom_capabilities).toEqual([CAPABILITY, 'io.example.other']);
    expect(detail.available_components).toEqual({
      components: {
        receivers: {
          sub_component_map: { otlp: { metadata: [{ key: 'code.namespace', value: { string_value: 'otlp' } }] } },
        },
      },
      hash: 'c0ffee',
    });

    // Status compression: the same hash alone is "unchanged"; an unknown hash alone asks for the components.
    const same = await agent.exchange({ available_components: { hash: COMPONENTS.hash } });
    expect((same.flags ?? 0) & ServerToAgentFlags.ReportAvailableComponents).toBe(0);
    const unknown = await agent.exchange({ available_components: { hash: Buffer.from('beef', 'hex') } });
    expect((unknown.flags ?? 0) & ServerToAgentFlags.ReportAvailableComponents).toBe(
      ServerToAgentFlags.ReportAvailableComponents,
    );
    // Absent custom_capabilities mean unchanged.
    await agent.exchange({});
    expect(
      (
        await api(a, viewer)
          .get(`/agents/${uidText(agent.uid)}`)
          .expect(200)
      ).body.custom_capabilities,
    ).toEqual([CAPABILITY, 'io.example.other']);
  });

  it("keeps the agents' custom messages, the latest N, truncating oversized payloads", async () => {
    const agent = await connect(a, 'talker');
    const id = uidText(agent.uid);
    for (let i = 1; i <= 7; i += 1) {
      await agent.exchange({ custom_message: { capability: CAPABILITY, type: 'tick', data: Buffer.from(`n=${i}`) } });
    }
    await agent.exchange({ custom_message: { capability: CAPABILITY, type: 'big', data: Buffer.alloc(3000, 7) } });
    const list = await eventually(async () => {
      const body = (await api(a, viewer).get(`/agents/${id}/custom-messages`).expect(200)).body as StoredMessage[];
      return body[0]?.type === 'big' && body;
    });
    expect(list).toHaveLength(5);
    expect(list[0]).toEqual(
      expect.objectContaining({ direction: 'received', capability: CAPABILITY, size: 3000, truncated: true }),
    );
    expect(Buffer.from(list[0].data, 'base64')).toHaveLength(1024);
    expect(list.slice(1).map((m) => Buffer.from(m.data, 'base64').toString())).toEqual(['n=7', 'n=6', 'n=5', 'n=4']);
    const two = (await api(a, viewer).get(`/agents/${id}/custom-messages?limit=2`).expect(200)).body as StoredMessage[];
    expect(two).toHaveLength(2);
    await api(a, viewer).get(`/agents/${id}/custom-messages?limit=0`).expect(400);
    await api(a, viewer).get(`/agents/${crypto.randomUUID()}/custom-messages`).expect(404);
  });

  it('sends an operator message to an agent held by another instance; refuses what cannot be delivered', async () => {
    const agent = await connect(b, 'receiver');
    const id = uidText(agent.uid);
    const before = agent.received.length;
    const sent = await api(a, operator)
      .post(`/agents/${id}/custom-messages`, {
        capability: CAPABILITY,
        type: 'ping',
        data: Buffer.from('hi').toString('base64'),
      })
      .expect(202);
    expect(sent.body).toEqual({ status: 'sent' });
    const delivered = await eventually(async () => {
      await agent.message(before + 1);
      return agent.received.slice(before).find((m) => m.custom_message);
    });
    expect(delivered.custom_message).toEqual({ capability: CAPABILITY, type: 'ping', data: Buffer.from('hi') });
    const history = (await api(b, viewer).get(`/agents/${id}/custom-messages`).expect(200)).body as StoredMessage[];
    expect(history[0]).toEqual(
      expect.objectContaining({ direction: 'sent', type: 'ping', sent_by: expect.any(String) }),
    );

    const message = { capability: CAPABILITY, type: 'ping', data: '' };
    await api(a, viewer).post(`/agents/${id}/custom-messages`, message).expect(403);
    const unknown = await api(a, operator)
      .post(`/agents/${id}/custom-messages`, { ...message, capability: 'io.example.unannounced' })
      .expect(422);
    expect(unknown.body.message).toMatch(/does not announce the custom capability "io.example.unannounced"/);
    await api(a, operator)
      .post(`/agents/${id}/custom-messages`, { ...message, data: 'not base64!' })
      .expect(400);
    await api(a, operator).post(`/agents/${id}/custom-messages`, { type: 'x', data: '' }).expect(400);
    await api(a, operator)
      .post(`/agents/${id}/custom-messages`, { ...message, data: Buffer.alloc(2000).toString('base64') })
      .expect(413);
    await api(a, operator).post(`/agents/${crypto.randomUUID()}/custom-messages`, message).expect(404);

    agent.close();
    await eventually(async () => (await api(a, viewer).get(`/agents/${id}`).expect(200)).body.status === 'offline');
    await api(a, operator).post(`/agents/${id}/custom-messages`, message).expect(409);
    // Refused messages were not recorded as sent.
    expect((await api(a, viewer).get(`/agents/${id}/custom-messages`).expect(200)).body).toHaveLength(1);
  });

  it('gives an HTTP agent one custom message per poll, in order', async () => {
    const uid = newUid();
    const id = uidText(uid);
    const poll = (n: number) =>
      httpPoll(b.opampUrl, {
        instance_uid: uid,
        sequence_num: n,
        capabilities: 1,
        ...(n === 1
          ? { agent_description: description('poller'), custom_capabilities: { capabilities: [CAPABILITY] } }
          : {}),
      });
    expect((await poll(1)).status).toBe(200);
    for (const type of ['first', 'second']) {
      await api(a, operator)
        .post(`/agents/${id}/custom-messages`, { capability: CAPABILITY, type, data: '' })
        .expect(202);
    }
    const types: string[] = [];
    for (let n = 2; types.length < 2 && n < 40; n += 1) {
      const type = (await poll(n)).message?.custom_message?.type;
      if (type) {
        types.push(type);
      }
    }
    expect(types).toEqual(['first', 'second']);
  });
});
