import crypto from 'node:crypto';
import request from 'supertest';
import { AgentCapabilities, type ServerToAgent } from '../../src/opamp/proto/opamp.types.js';
import { BASIC_CAPABILITIES, description, uidText, WsTestAgent } from '../support/opamp-agents.js';
import { SEED_FIELDS, upload } from '../support/packages.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PACKAGES = BASIC_CAPABILITIES | AgentCapabilities.AcceptsPackages | AgentCapabilities.ReportsPackageStatuses;
/** Agents' heartbeat stays at the 30 s default: only a wake-up explains a delivery within this. */
const PROMPT_MS = 3000;

const offeredNames = (message: ServerToAgent): string[] =>
  Object.keys(message.packages_available?.packages ?? {}).sort();

/**
 * Changes made through instance A's API that alter what an agent held by instance B should have
 * — a package assignment, an operator's labels, a deleted package — reach that agent at once,
 * not at its next heartbeat.
 */
describe("two instances: package offers and label changes reach the other instance's agents (e2e)", () => {
  let a: TestApp;
  let b: TestApp;
  let operator: string;
  let admin: string;

  beforeAll(async () => {
    a = await startTestApp({ OPAMP_ALLOW_ANONYMOUS: 'true', INSTANCE_ID: 'wake-a' });
    b = await startTestApp({ OPAMP_ALLOW_ANONYMOUS: 'true', INSTANCE_ID: 'wake-b', DATABASE_URL: a.databaseUrl });
    operator = await a.tokenFor('operator');
    admin = await a.login();
  });

  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('offers an assigned package, a label-matched one and a config, and withdraws a deleted package', async () => {
    const agent = await WsTestAgent.connect(b.opampUrl);
    await agent.exchange({ capabilities: PACKAGES, agent_description: description('edge-1', { site: 'wake' }) });
    // An agent that cannot take packages is never offered one.
    const plain = await WsTestAgent.connect(b.opampUrl);
    await plain.exchange({
      capabilities: BASIC_CAPABILITIES,
      agent_description: description('plain', { site: 'wake' }),
    });
    const auth = ['Authorization', `Bearer ${operator}`] as const;

    const collector = await upload(a.url, operator, crypto.randomBytes(2048), {
      ...SEED_FIELDS,
      name: 'collector',
      version: '2.0.0',
    }).expect(201);
    let next = agent.received.length + 1;
    let startedAt = Date.now();
    await request(a.url)
      .post('/api/v1/package-assignments')
      .set(...auth)
      .send({ package_id: collector.body.id, selector: { site: 'wake' } })
      .expect(201);
    const first = await agent.message(next, PROMPT_MS);
    expect(Date.now() - startedAt).toBeLessThan(PROMPT_MS);
    expect(offeredNames(first)).toEqual(['collector']);
    expect(first.packages_available!.packages!.collector.version).toBe('2.0.0');

    // A second package for a label the agent does not have yet, and a configuration for it too.
    const plugin = await upload(a.url, operator, crypto.randomBytes(1024), {
      ...SEED_FIELDS,
      name: 'plugin',
      version: '0.3.0',
    }).expect(201);
    await request(a.url)
      .post('/api/v1/package-assignments')
      .set(...auth)
      .send({ package_id: plugin.body.id, selector: { tier: 'edge' } })
      .expect(201);
    const config = await request(a.url)
      .post('/api/v1/configurations')
      .set(...auth)
      .send({ name: 'edge-tier', raw_config: 'receivers: {}\n', selector: { tier: 'edge' } })
      .expect(201);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(agent.received).toHaveLength(next); // neither matches yet

    next = agent.received.length + 1;
    startedAt = Date.now();
    await request(a.url)
      .put(`/api/v1/agents/${uidText(agent.uid)}/labels`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ labels: { tier: 'edge' } })
      .expect(200);
    // Both arrive, in either order, as separate messages.
    const afterLabel = [await agent.message(next, PROMPT_MS), await agent.message(next + 1, PROMPT_MS)];
    expect(Date.now() - startedAt).toBeLessThan(PROMPT_MS);
    const packagesOffer = afterLabel.find((m) => m.packages_available);
    const configOffer = afterLabel.find((m) => m.remote_config);
    expect(offeredNames(packagesOffer!)).toEqual(['collector', 'plugin']);
    expect(Buffer.from(configOffer!.remote_config!.config_hash!).toString('hex')).toBe(config.body.config_hash);

    next = agent.received.length + 1;
    startedAt = Date.now();
    await request(a.url)
      .delete(`/api/v1/packages/${plugin.body.id}`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(204);
    const withdrawn = await agent.message(next, PROMPT_MS);
    expect(Date.now() - startedAt).toBeLessThan(PROMPT_MS);
    expect(offeredNames(withdrawn)).toEqual(['collector']);

    expect(plain.received.some((m) => m.packages_available)).toBe(false);
    agent.close();
    plain.close();
  });
});
