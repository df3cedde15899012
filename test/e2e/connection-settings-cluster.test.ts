import request from 'supertest';
import { AgentCapabilities } from '../../src/opamp/proto/opamp.types.js';
import { createTestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { OPAMP_GO_CAPABILITIES, OpampGoAgent } from '../support/opamp-go-agent.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('connection settings across instances (e2e)', () => {
  const apps: TestApp[] = [];
  const agents: OpampGoAgent[] = [];

  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.stop()));
    await Promise.all(apps.map((app) => app.close()));
  });

  it('offers a change made through one instance, once, to agents held by the other', async () => {
    const databaseUrl = await createTestDatabase();
    const env = {
      DATABASE_URL: databaseUrl,
      JWT_SECRET: 'cluster-connection-settings-secret-0123456789',
      OPAMP_HEARTBEAT_SECONDS: '1',
    };
    const a = await startTestApp({ ...env, INSTANCE_ID: 'a' });
    apps.push(a);
    const b = await startTestApp({ ...env, INSTANCE_ID: 'b' });
    apps.push(b);
    const admin = await a.login();
    const key = (
      await request(a.url).post('/api/v1/agent-keys').set('Authorization', `Bearer ${admin}`).send({ name: 'k' })
    ).body.key as string;
    const capabilities = OPAMP_GO_CAPABILITIES | AgentCapabilities.ReportsOwnTraces;
    const ws = new OpampGoAgent({
      url: b.opampUrl,
      transport: 'websocket',
      authorization: `Bearer ${key}`,
      capabilities,
      name: 'on-b',
    });
    // An HTTP agent whose polls alternate between the instances (a load balancer).
    const http = new OpampGoAgent({
      url: a.opampUrl,
      transport: 'http',
      authorization: `Bearer ${key}`,
      capabilities,
      name: 'on-b',
    });
    agents.push(ws, http);
    await ws.start();
    await http.start();
    await eventually(() => Promise.resolve(ws.offers.length === 1 && ws.connections === 2 && http.offers.length === 1));
    const urls = [a.opampUrl, b.opampUrl];
    const alternate = setInterval(() => (http.endpoint = urls[http.received.length % 2]), 100);
    try {
      await request(a.url)
        .post('/api/v1/connection-settings')
        .set('Authorization', `Bearer ${admin}`)
        .send({
          name: 'traces',
          selector: { 'service.name': 'on-b' },
          own_traces: { destination_endpoint: 'https://traces.example.com/v1/traces' },
        })
        .expect(201);
      await eventually(() => Promise.resolve(ws.offers.length === 2 && http.offers.length === 2), 10_000);
      const seen = http.received.length;
      await eventually(() => Promise.resolve(http.received.length >= seen + 4 && ws.received.length >= 6), 10_000);
    } finally {
      clearInterval(alternate);
    }
    for (const agent of [ws, http]) {
      expect(agent.offers).toHaveLength(2);
      expect(agent.offers[1].own_traces?.destination_endpoint).toBe('https://traces.example.com/v1/traces');
      expect(agent.offers[1].opamp).toBeUndefined();
      expect(agent.refusals).toEqual([]);
    }
    expect(ws.connections).toBe(2);
  }, 60_000);
});
