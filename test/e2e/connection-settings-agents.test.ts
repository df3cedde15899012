import request from 'supertest';
import { AgentCapabilities } from '../../src/opamp/proto/opamp.types.js';
import { eventually } from '../support/eventually.js';
import { uidText } from '../support/opamp-agents.js';
import { OPAMP_GO_CAPABILITIES, OpampGoAgent } from '../support/opamp-go-agent.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('connection settings with opamp-go-like agents (e2e)', () => {
  let app: TestApp;
  let admin: string;
  let key: string;
  const agents: OpampGoAgent[] = [];

  const startAgent = async (options: Partial<ConstructorParameters<typeof OpampGoAgent>[0]> = {}) => {
    const agent = new OpampGoAgent({
      url: app.opampUrl,
      transport: 'websocket',
      authorization: `Bearer ${key}`,
      ...options,
    });
    agents.push(agent);
    await agent.start();
    return agent;
  };

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_HEARTBEAT_SECONDS: '1' });
    admin = await app.login();
    key = (
      await request(app.url)
        .post('/api/v1/agent-keys')
        .set('Authorization', `Bearer ${admin}`)
        .send({ name: 'opamp-go agents' })
        .expect(201)
    ).body.key;
  });

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.stop()));
  });

  afterAll(async () => {
    await app.close();
  });

  it('over WebSocket holds one connection for 10 s: at most one reconnect, caused by the first offer', async () => {
    const agent = await startAgent();
    await eventually(() => Promise.resolve(agent.offers.length >= 1 && agent.connections >= 2));
    await sleep(10_000);
    expect(agent.connections).toBeLessThanOrEqual(2);
    expect(agent.offers).toHaveLength(1);
    // The offer carried the heartbeat, which the agent now uses; its key still works.
    expect(agent.heartbeatSeconds).toBe(1);
    expect(agent.refusals).toEqual([]);
    const detail = await request(app.url)
      .get(`/api/v1/agents/${uidText(agent.uid)}`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(detail.body.status).toBe('online');
  }, 30_000);

  it('over plain HTTP (gzip, chunked, no Content-Length) takes the offer once and keeps polling with its key', async () => {
    const agent = await startAgent({ transport: 'http' });
    await eventually(() => Promise.resolve(agent.received.length >= 6), 15_000);
    expect(agent.offers).toHaveLength(1);
    expect(agent.offers[0].opamp?.heartbeat_interval_seconds).toBe(1);
    expect(agent.connections).toBeLessThanOrEqual(2);
    expect(agent.refusals).toEqual([]);
  }, 30_000);

  it('reports APPLIED with ReportsConnectionSettingsStatus and gets no second offer', async () => {
    const agent = await startAgent({
      capabilities: OPAMP_GO_CAPABILITIES | AgentCapabilities.ReportsConnectionSettingsStatus,
    });
    await eventually(() => Promise.resolve(agent.offers.length >= 1 && agent.connections >= 2));
    await eventually(() => Promise.resolve(agent.received.length >= 5), 10_000);
    expect(agent.offers).toHaveLength(1);
    expect(agent.connections).toBe(2);
  }, 30_000);
});
