import { createOpAMPClient } from '@elastic/opamp-client-node';
import request from 'supertest';
import { AgentCapabilities } from '../../src/opamp/proto/opamp.types.js';
import { sql } from '../support/agents.js';
import { eventually } from '../support/eventually.js';
import { uidText } from '../support/opamp-agents.js';
import { OPAMP_GO_CAPABILITIES, OpampGoAgent } from '../support/opamp-go-agent.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const BACKEND_SECRET = 'backend-api-key-3c1f9e';
const OWN_TELEMETRY = OPAMP_GO_CAPABILITIES | AgentCapabilities.ReportsOwnMetrics | AgentCapabilities.ReportsOwnLogs;

describe('operator connection settings (e2e)', () => {
  let app: TestApp;
  let admin: string;
  let operator: string;
  let viewer: string;
  let key: string;
  const agents: OpampGoAgent[] = [];

  const api = () => request(app.url);
  const startAgent = async (name: string, transport: 'websocket' | 'http' = 'websocket') => {
    const agent = new OpampGoAgent({
      url: app.opampUrl,
      transport,
      authorization: `Bearer ${key}`,
      capabilities: OWN_TELEMETRY,
      name,
    });
    agents.push(agent);
    await agent.start();
    // The heartbeat offer of its first connection, and the reconnect it causes.
    await eventually(() =>
      Promise.resolve(agent.offers.length === 1 && agent.connections === 2 && agent.received.length >= 2),
    );
    return agent;
  };
  const rule = (name: string, service: string, header = BACKEND_SECRET) => ({
    name,
    selector: { 'service.name': service },
    own_metrics: {
      destination_endpoint: 'https://otlp.example.com:4318/v1/metrics',
      headers: [{ key: 'Authorization', value: `Bearer ${header}` }],
    },
  });

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_HEARTBEAT_SECONDS: '1' });
    admin = await app.login();
    operator = await app.tokenFor('operator');
    viewer = await app.tokenFor('viewer');
    key = (
      await api().post('/api/v1/agent-keys').set('Authorization', `Bearer ${admin}`).send({ name: 'cs' }).expect(201)
    ).body.key;
  });

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.stop()));
  });

  afterAll(async () => {
    await app.close();
  });

  describe('REST', () => {
    it('lets operators write and viewers read, and never shows header values', async () => {
      await api()
        .post('/api/v1/connection-settings')
        .set('Authorization', `Bearer ${viewer}`)
        .send(rule('viewer-cannot', 'x'))
        .expect(403);
      const created = await api()
        .post('/api/v1/connection-settings')
        .set('Authorization', `Bearer ${operator}`)
        .send(rule('rest-rule', 'rest-agent'))
        .expect(201);
      expect(created.body).toEqual(
        expect.objectContaining({
          name: 'rest-rule',
          selector: { 'service.name': 'rest-agent' },
          priority: 0,
          own_metrics: {
            destination_endpoint: 'https://otlp.example.com:4318/v1/metrics',
            headers: [{ key: 'Authorization', value: '<redacted>' }],
          },
          own_traces: null,
          own_logs: null,
        }),
      );
      const listed = await api()
        .get('/api/v1/connection-settings')
        .set('Authorization', `Bearer ${viewer}`)
        .expect(200);
      expect(listed.body.map((r: { name: string }) => r.name)).toContain('rest-rule');
      const one = await api()
        .get('/api/v1/connection-settings/rest-rule')
        .set('Authorization', `Bearer ${viewer}`)
        .expect(200);
      for (const body of [created.body, listed.body, one.body]) {
        expect(JSON.stringify(body)).not.toContain(BACKEND_SECRET);
      }
      // Stored encrypted: the value is nowhere in the table's text.
      const rows = await sql<{ t: string }>(app.databaseUrl, 'SELECT c::text AS t FROM connection_settings c');
      expect(rows.map((r) => r.t).join('\n')).not.toContain(BACKEND_SECRET);

      await api()
        .put('/api/v1/connection-settings/rest-rule')
        .set('Authorization', `Bearer ${viewer}`)
        .send({ selector: {} })
        .expect(403);
      await api()
        .delete('/api/v1/connection-settings/rest-rule')
        .set('Authorization', `Bearer ${operator}`)
        .expect(204);
      await api().get('/api/v1/connection-settings/rest-rule').set('Authorization', `Bearer ${viewer}`).expect(404);
    });

    it('refuses bad input with 400, duplicates with 409, unknown names with 404, and writes nothing', async () => {
      const post = (body: object) =>
        api().post('/api/v1/connection-settings').set('Authorization', `Bearer ${operator}`).send(body);
      const bad: Array<[object, RegExp]> = [
        [{ ...rule('bad-url', 'x'), own_metrics: { destination_endpoint: 'ftp://x/y' } }, /http\(s\) URL/],
        [
          {
            ...rule('bad-header', 'x'),
            own_metrics: {
              destination_endpoint: 'https://a.example/v1/metrics',
              headers: [{ key: 'bad key', value: 'v' }],
            },
          },
          /HTTP header name/,
        ],
        [
          {
            ...rule('no-value', 'x'),
            own_metrics: { destination_endpoint: 'https://a.example/v1/metrics', headers: [{ key: 'X-Key' }] },
          },
          /needs a value/,
        ],
        [
          {
            ...rule('twice', 'x'),
            own_metrics: {
              destination_endpoint: 'https://a.example/v1/metrics',
              headers: [
                { key: 'X-Key', value: 'a' },
                { key: 'x-key', value: 'b' },
              ],
            },
          },
          /given twice/,
        ],
        [{ name: 'no-selector' }, /selector/],
        [{ ...rule('-bad name', 'x') }, /name must be/],
        [{ ...rule('extra', 'x'), other: 1 }, /should not exist/],
      ];
      for (const [body, message] of bad) {
        const response = await post(body).expect(400);
        expect(response.body.message).toMatch(message);
      }
      const names = await sql<{ name: string }>(app.databaseUrl, 'SELECT name FROM connection_settings');
      expect(names).toEqual([]);
      await post(rule('dup', 'x')).expect(201);
      await post(rule('dup', 'y')).expect(409);
      await api()
        .put('/api/v1/connection-settings/missing')
        .set('Authorization', `Bearer ${operator}`)
        .send({ selector: { a: 'b' } })
        .expect(404);
      await api().delete('/api/v1/connection-settings/missing').set('Authorization', `Bearer ${operator}`).expect(404);
      await api().delete('/api/v1/connection-settings/dup').set('Authorization', `Bearer ${operator}`).expect(204);
    });
  });

  describe('offers', () => {
    it('offers a change once to a connected WebSocket agent, without an opamp part, so it does not reconnect', async () => {
      const agent = await startAgent('ws-telemetry');
      expect(agent.offers[0].own_metrics).toBeUndefined();
      await api()
        .post('/api/v1/connection-settings')
        .set('Authorization', `Bearer ${operator}`)
        .send(rule('ws-rule', 'ws-telemetry'))
        .expect(201);
      await eventually(() => Promise.resolve(agent.offers.length === 2));
      const offer = agent.offers[1];
      expect(offer.opamp).toBeUndefined();
      expect(offer.own_metrics).toEqual({
        destination_endpoint: 'https://otlp.example.com:4318/v1/metrics',
        headers: { headers: [{ key: 'Authorization', value: `Bearer ${BACKEND_SECRET}` }] },
      });
      expect(Buffer.from(offer.hash!).equals(Buffer.from(agent.offers[0].hash!))).toBe(false);

      // An update that keeps the stored header value (sent without one) and changes the endpoint.
      await api()
        .put('/api/v1/connection-settings/ws-rule')
        .set('Authorization', `Bearer ${operator}`)
        .send({
          selector: { 'service.name': 'ws-telemetry' },
          own_metrics: {
            destination_endpoint: 'https://other.example.com/v1/metrics',
            headers: [{ key: 'Authorization' }],
          },
        })
        .expect(200);
      await eventually(() => Promise.resolve(agent.offers.length === 3));
      expect(agent.offers[2].own_metrics?.destination_endpoint).toBe('https://other.example.com/v1/metrics');
      expect(agent.offers[2].own_metrics?.headers?.headers).toEqual([
        { key: 'Authorization', value: `Bearer ${BACKEND_SECRET}` },
      ]);

      // Deleting it offers an empty destination: stop sending there.
      await api().delete('/api/v1/connection-settings/ws-rule').set('Authorization', `Bearer ${operator}`).expect(204);
      await eventually(() => Promise.resolve(agent.offers.length === 4));
      expect(agent.offers[3].own_metrics?.destination_endpoint ?? '').toBe('');
      // Heartbeats go on, nothing more is offered, and the agent never reconnected.
      const seen = agent.received.length;
      await eventually(() => Promise.resolve(agent.received.length >= seen + 3), 10_000);
      expect(agent.offers).toHaveLength(4);
      expect(agent.connections).toBe(2);
      expect(agent.refusals).toEqual([]);
    }, 30_000);

    it('offers a change to an HTTP agent with its next poll, once', async () => {
      const agent = await startAgent('http-telemetry', 'http');
      await api()
        .post('/api/v1/connection-settings')
        .set('Authorization', `Bearer ${operator}`)
        .send(rule('http-rule', 'http-telemetry'))
        .expect(201);
      await eventually(() => Promise.resolve(agent.offers.length === 2), 10_000);
      expect(agent.offers[1].own_metrics?.headers?.headers?.[0].value).toBe(`Bearer ${BACKEND_SECRET}`);
      const seen = agent.received.length;
      await eventually(() => Promise.resolve(agent.received.length >= seen + 3), 10_000);
      expect(agent.offers).toHaveLength(2);
      expect(agent.refusals).toEqual([]);
      const row = await sql<{ hash: Buffer }>(
        app.databaseUrl,
        'SELECT connection_settings_hash AS hash FROM agents WHERE instance_uid = $1',
        [uidText(agent.uid)],
      );
      expect(row[0].hash.equals(Buffer.from(agent.lastConnectionSettingsHash!))).toBe(true);
    }, 30_000);
  });

  it('still serves @elastic/opamp-client-node, which takes no connection settings', async () => {
    const client = createOpAMPClient({
      endpoint: app.opampUrl,
      headers: { Authorization: `Bearer ${key}` },
      heartbeatIntervalSeconds: 0.2,
    });
    client.setAgentDescription({ identifyingAttributes: { 'service.name': 'edot-cs' } });
    client.start();
    try {
      const listed = await eventually(async () => {
        const response = await api().get('/api/v1/agents?q=edot-cs').set('Authorization', `Bearer ${admin}`);
        return response.body[0] as { instance_uid: string; status: string; last_seen_at: string } | undefined;
      });
      expect(listed.status).toBe('online');
      const later = await eventually(async () => {
        const response = await api()
          .get(`/api/v1/agents/${listed.instance_uid}`)
          .set('Authorization', `Bearer ${admin}`);
        return response.body.last_seen_at !== listed.last_seen_at ? response.body : undefined;
      });
      expect(later.status).toBe('online');
    } finally {
      await client.shutdown();
    }
  });
});
