import request from 'supertest';
import { AgentCapabilities } from '../../src/opamp/proto/opamp.types.js';
import { sql } from '../support/agents.js';
import { createTestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { uidText } from '../support/opamp-agents.js';
import { OPAMP_GO_CAPABILITIES, OpampGoAgent } from '../support/opamp-go-agent.js';
import { spawnInstance, type SpawnedInstance } from '../support/spawned-instance.js';
import { ADMIN_PASSWORD } from '../support/test-app.js';

const BACKEND_SECRET = 'backend-secret-5d0c2a77';
const CAPABILITIES =
  OPAMP_GO_CAPABILITIES | AgentCapabilities.ReportsOwnMetrics | AgentCapabilities.AcceptsRestartCommand;

/** Every row of every table of the public schema, as PostgreSQL prints it (bytea as hex). */
async function dumpDatabase(databaseUrl: string): Promise<string> {
  const tables = await sql<{ name: string }>(
    databaseUrl,
    `SELECT quote_ident(table_name) AS name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  const dumps: string[] = [];
  for (const { name } of tables) {
    const rows = await sql<{ t: string }>(databaseUrl, `SELECT t::text AS t FROM ${name} t`);
    dumps.push(`${name}:\n${rows.map((row) => row.t).join('\n')}`);
  }
  return dumps.join('\n');
}

describe('connection settings across a restart, and no secret at rest (e2e)', () => {
  const instances: SpawnedInstance[] = [];
  const agents: OpampGoAgent[] = [];

  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.stop()));
    await Promise.all(instances.map((instance) => instance.kill()));
  });

  it('keeps the offered hash in PostgreSQL, offers once per change, and stores no key anywhere', async () => {
    const databaseUrl = await createTestDatabase();
    // Both instances must read each other's encrypted header values: one JWT secret.
    const env = {
      DATABASE_URL: databaseUrl,
      JWT_SECRET: 'connection-settings-test-secret-0123456789',
      OPAMP_HEARTBEAT_SECONDS: '1',
      LOG_LEVEL: 'debug',
    };
    const first = await spawnInstance({ ...env, INSTANCE_ID: 'first' });
    instances.push(first);
    const admin = (
      await request(first.url).post('/api/v1/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD })
    ).body.token as string;
    const key = (
      await request(first.url)
        .post('/api/v1/agent-keys')
        .set('Authorization', `Bearer ${admin}`)
        .send({ name: 'restart' })
        .expect(201)
    ).body.key as string;
    const start = async (url: string, name: string, extra: Partial<ConstructorParameters<typeof OpampGoAgent>[0]>) => {
      const agent = new OpampGoAgent({
        url,
        transport: 'websocket',
        authorization: `Bearer ${key}`,
        capabilities: CAPABILITIES,
        name,
        ...extra,
      });
      agents.push(agent);
      await agent.start();
      return agent;
    };
    const rule = (name: string, service: string) => ({
      name,
      selector: { 'service.name': service },
      own_metrics: {
        destination_endpoint: 'https://otlp.example.com/v1/metrics',
        headers: [{ key: 'X-Api-Key', value: BACKEND_SECRET }],
      },
    });

    const ws = await start(first.opampUrl, 'persistent', {});
    await eventually(() => Promise.resolve(ws.offers.length === 1 && ws.connections === 2 && ws.received.length >= 2));
    // HTTP agents with replies queued for them in the outbox, one of which stops polling.
    const poller = await start(first.opampUrl, 'grep-poller', { transport: 'http' });
    const quiet = await start(first.opampUrl, 'grep-quiet', { transport: 'http' });
    await eventually(() => Promise.resolve(poller.offers.length === 1 && quiet.offers.length === 1));
    await quiet.stop();
    const restart = (agent: OpampGoAgent) =>
      request(first.url)
        .post(`/api/v1/agents/${uidText(agent.uid)}/restart`)
        .set('Authorization', `Bearer ${admin}`)
        .expect(202);
    await restart(quiet);
    await request(first.url)
      .post('/api/v1/connection-settings')
      .set('Authorization', `Bearer ${admin}`)
      .send(rule('grep-rule', 'grep-poller'))
      .expect(201);
    await restart(poller);
    await eventually(() => Promise.resolve(poller.offers.length === 2), 10_000);
    expect(poller.offers[1].own_metrics?.headers?.headers).toEqual([{ key: 'X-Api-Key', value: BACKEND_SECRET }]);

    // Restart: the agent comes back to another process with the hash it holds, and is offered nothing.
    await Promise.all([ws.stop(), poller.stop()]);
    await first.kill();
    const second = await spawnInstance({ ...env, INSTANCE_ID: 'second' });
    instances.push(second);
    const back = await start(second.opampUrl, 'persistent', {
      uid: ws.uid,
      lastConnectionSettingsHash: ws.lastConnectionSettingsHash,
      heartbeatSeconds: ws.heartbeatSeconds,
    });
    await eventually(() => Promise.resolve(back.received.length >= 4), 10_000);
    expect(back.offers).toEqual([]);
    expect(back.connections).toBe(1);

    // An operator change on the new process: exactly one offer, which needs no reconnect.
    await request(second.url)
      .post('/api/v1/connection-settings')
      .set('Authorization', `Bearer ${admin}`)
      .send(rule('persistent-rule', 'persistent'))
      .expect(201);
    await eventually(() => Promise.resolve(back.offers.length === 1), 10_000);
    const seen = back.received.length;
    await eventually(() => Promise.resolve(back.received.length >= seen + 3), 10_000);
    expect(back.offers).toHaveLength(1);
    expect(back.offers[0].opamp).toBeUndefined();
    expect(back.connections).toBe(1);

    // Nothing at rest: neither the enrollment key nor the backend header, in clear or as bytes.
    const queued = await sql<{ n: number }>(databaseUrl, 'SELECT count(*)::int AS n FROM agent_outbox');
    expect(queued[0].n).toBeGreaterThan(0);
    const dump = await dumpDatabase(databaseUrl);
    expect(dump).toContain('agent_outbox');
    for (const secret of [key, BACKEND_SECRET]) {
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(Buffer.from(secret).toString('hex'));
    }
    const metrics = (await request(second.url).get('/metrics').expect(200)).text;
    const logs = first.output() + second.output();
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [key, BACKEND_SECRET]) {
      expect(metrics).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
  }, 90_000);
});
