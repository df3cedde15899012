import crypto from 'node:crypto';
import request from 'supertest';
import { AgentCapabilities, type ServerToAgent } from '../../src/opamp/proto/opamp.types.js';
import { eventually } from '../support/eventually.js';
import { BASIC_CAPABILITIES, description, WsTestAgent } from '../support/opamp-agents.js';
import { SEED_FIELDS, upload } from '../support/packages.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const AGENTS = 400;
/** The agents' heartbeat stays at the 30 s default: only a wake-up explains a delivery within this. */
const PROMPT_MS = 5000;
const PACKAGES = BASIC_CAPABILITIES | AgentCapabilities.AcceptsPackages | AgentCapabilities.ReportsPackageStatuses;

async function connectMany(opampUrl: string, count: number, labels: Record<string, string>): Promise<WsTestAgent[]> {
  const agents: WsTestAgent[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, () => WsTestAgent.connect(opampUrl)),
    );
    // Connecting is not what this file measures: on a loaded machine a first reply may take a while.
    await Promise.all(
      batch.map((agent, j) => {
        agent.send({ capabilities: PACKAGES, agent_description: description(`fleet-${i + j}`, labels) });
        return agent.message(1, 30_000);
      }),
    );
    agents.push(...batch);
  }
  return agents;
}

/** How many agents received a message matching `offered` after their n-th message. */
const countOffered = (agents: WsTestAgent[], after: number[], offered: (m: ServerToAgent) => boolean): number =>
  agents.filter((agent, i) => agent.received.slice(after[i]).some(offered)).length;

/**
 * A change that concerns more agents than one wake-up can list (150) still reaches every agent
 * held by the other instance at once: configurations used to say "reload everything" past that,
 * and the receiving instance then offered nothing until each agent's next heartbeat.
 */
describe('two instances: a change for 400 agents held by the other instance reaches all of them (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  let operator: string;
  let agents: WsTestAgent[] = [];

  beforeAll(async () => {
    a = await startTestApp({ OPAMP_ALLOW_ANONYMOUS: 'true', INSTANCE_ID: 'many-a' });
    b = await startTestApp({ OPAMP_ALLOW_ANONYMOUS: 'true', INSTANCE_ID: 'many-b', DATABASE_URL: a.databaseUrl });
    operator = await a.tokenFor('operator');
    agents = await connectMany(b.opampUrl, AGENTS, { fleet: 'many' });
  }, 180_000);

  afterAll(async () => {
    agents.forEach((agent) => agent.close());
    await b.close();
    await a.close();
  });

  it('offers a configuration created through A (auto push) to all 400 agents on B within 5 s', async () => {
    const after = agents.map((agent) => agent.received.length);
    const startedAt = Date.now();
    const created = await request(a.url)
      .post('/api/v1/configurations')
      .set('Authorization', `Bearer ${operator}`)
      .send({ name: 'many', raw_config: 'receivers: {}\n', selector: { fleet: 'many' } })
      .expect(201);
    const hash = created.body.config_hash as string;
    const offered = (m: ServerToAgent) =>
      m.remote_config !== undefined && Buffer.from(m.remote_config.config_hash!).toString('hex') === hash;
    await eventually(() => Promise.resolve(countOffered(agents, after, offered) === AGENTS), PROMPT_MS);
    expect(Date.now() - startedAt).toBeLessThan(PROMPT_MS + 500);

    // And an update of it, the same way.
    const afterUpdate = agents.map((agent) => agent.received.length);
    const updated = await request(a.url)
      .put('/api/v1/configurations/many')
      .set('Authorization', `Bearer ${operator}`)
      .send({ raw_config: 'receivers: {}\nexporters: {}\n' })
      .expect(200);
    const v2 = (m: ServerToAgent) =>
      m.remote_config !== undefined &&
      Buffer.from(m.remote_config.config_hash!).toString('hex') === updated.body.config_hash;
    await eventually(() => Promise.resolve(countOffered(agents, afterUpdate, v2) === AGENTS), PROMPT_MS);
  }, 30_000);

  it('offers a package assigned through A to all 400 agents on B within 5 s', async () => {
    const pkg = await upload(a.url, operator, crypto.randomBytes(1024), {
      ...SEED_FIELDS,
      name: 'fleet-agent',
      version: '1.0.0',
    }).expect(201);
    const after = agents.map((agent) => agent.received.length);
    await request(a.url)
      .post('/api/v1/package-assignments')
      .set('Authorization', `Bearer ${operator}`)
      .send({ package_id: pkg.body.id, selector: { fleet: 'many' } })
      .expect(201);
    const offered = (m: ServerToAgent) => m.packages_available?.packages?.['fleet-agent']?.version === '1.0.0';
    await eventually(() => Promise.resolve(countOffered(agents, after, offered) === AGENTS), PROMPT_MS);
  }, 30_000);
});
