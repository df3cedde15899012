import request from 'supertest';
import { AgentCapabilities, RemoteConfigStatuses } from '../../src/opamp/proto/opamp.types.js';
import { createTestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { BASIC_CAPABILITIES, description, httpPoll, newUid, uidText, WsTestAgent } from '../support/opamp-agents.js';
import { spawnInstance } from '../support/spawned-instance.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const RESTARTABLE = BASIC_CAPABILITIES | AgentCapabilities.AcceptsRestartCommand;

describe('two instances on one PostgreSQL (e2e)', () => {
  let databaseUrl: string;
  let a: TestApp;
  let b: TestApp;
  let admin: string;

  const shared = { OPAMP_ALLOW_ANONYMOUS: 'true', OPAMP_HEARTBEAT_SECONDS: '1', INSTANCE_HEARTBEAT_SECONDS: '1' };

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    a = await startTestApp({ ...shared, DATABASE_URL: databaseUrl, INSTANCE_ID: 'instance-a' });
    b = await startTestApp({ ...shared, DATABASE_URL: databaseUrl, INSTANCE_ID: 'instance-b' });
    admin = await a.login();
  });

  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it("delivers a command sent through A's API to an agent connected to B", async () => {
    const agent = await WsTestAgent.connect(b.opampUrl);
    await agent.exchange({ capabilities: RESTARTABLE, agent_description: description('on-b') });
    const detail = await request(a.url)
      .get(`/api/v1/agents/${uidText(agent.uid)}`)
      .set('Authorization', `Bearer ${admin}`);
    expect(detail.body.instance_id).toBe('instance-b');
    const before = agent.received.length;
    await request(a.url)
      .post(`/api/v1/agents/${uidText(agent.uid)}/restart`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(202);
    const command = await agent.message(before + 1);
    expect(command.command).toBeDefined();
    agent.close();
  });

  it('gives an HTTP agent alternating between instances each queued message exactly once', async () => {
    const uid = newUid();
    let sequence = 0;
    const poll = (instance: TestApp, extra = {}) =>
      httpPoll(instance.opampUrl, { instance_uid: uid, sequence_num: ++sequence, capabilities: RESTARTABLE, ...extra });
    await poll(a, { agent_description: description('alternating') });
    await poll(b);
    await request(a.url)
      .post(`/api/v1/agents/${uidText(uid)}/restart`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(202);
    const replies = [await poll(b), await poll(a), await poll(b), await poll(a)];
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(replies.filter((r) => r.message?.command !== undefined)).toHaveLength(1);
  });
});

describe('an instance killed with SIGKILL (e2e)', () => {
  it('has its agents marked offline by the survivor, and they come back through it', async () => {
    const databaseUrl = await createTestDatabase();
    const env = {
      OPAMP_ALLOW_ANONYMOUS: 'true',
      OPAMP_HEARTBEAT_SECONDS: '1',
      INSTANCE_HEARTBEAT_SECONDS: '1',
      DATABASE_URL: databaseUrl,
    };
    const survivor = await startTestApp({ ...env, INSTANCE_ID: 'survivor' });
    const doomed = await spawnInstance({ ...env, INSTANCE_ID: 'doomed' });
    try {
      const admin = await survivor.login();
      const agents = await Promise.all([1, 2, 3].map(() => WsTestAgent.connect(doomed.opampUrl)));
      for (const [i, agent] of agents.entries()) {
        await agent.exchange({ agent_description: description(`doomed-${i}`) });
      }
      const status = async (agent: WsTestAgent) =>
        (
          await request(survivor.url)
            .get(`/api/v1/agents/${uidText(agent.uid)}`)
            .set('Authorization', `Bearer ${admin}`)
        ).body;
      expect((await status(agents[0])).status).toBe('online');

      const killedAt = Date.now();
      await doomed.kill();
      await eventually(
        async () => (await Promise.all(agents.map(status))).every((s) => s.status === 'offline'),
        15_000,
      );
      const detectSeconds = (Date.now() - killedAt) / 1000;
      expect(detectSeconds).toBeLessThan(25);

      // While they are away an operator targets them with a configuration.
      const config = await request(survivor.url)
        .post('/api/v1/configurations')
        .set('Authorization', `Bearer ${admin}`)
        .send({ name: 'after-the-crash', raw_config: 'receivers: {}\n', selector: { 'os.type': 'linux' } })
        .expect(201);

      // They reconnect to the survivor (as a load balancer would send them), are online there
      // and converge on their desired configuration.
      const back = await Promise.all(
        agents.map((agent) => WsTestAgent.connect(survivor.opampUrl, undefined, agent.uid)),
      );
      for (const agent of back) {
        const reply = await agent.exchange({});
        expect(reply.flags).toBe(1); // ReportFullState: the survivor never saw them
        const offered = reply.remote_config!.config_hash;
        expect(Buffer.from(offered!).toString('hex')).toBe(config.body.config_hash);
        await agent.exchange({
          remote_config_status: { last_remote_config_hash: offered, status: RemoteConfigStatuses.APPLIED },
        });
      }
      const applied = await eventually(async () => {
        const history = await request(survivor.url)
          .get('/api/v1/configurations/after-the-crash/apply-history?status=applied')
          .set('Authorization', `Bearer ${admin}`);
        return history.body.length === 3 ? history.body : undefined;
      });
      expect(applied).toHaveLength(3);
      const restored = await Promise.all(back.map(status));
      expect(restored.map((s) => [s.status, s.instance_id])).toEqual(Array(3).fill(['online', 'survivor']));
      expect(restored.map((s) => s.name).sort()).toEqual(['doomed-0', 'doomed-1', 'doomed-2']);
      back.forEach((agent) => agent.close());
    } finally {
      await doomed.kill();
      await survivor.close();
    }
  }, 60_000);
});
