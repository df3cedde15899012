import request from 'supertest';
import { RemoteConfigStatuses } from '../../src/opamp/proto/opamp.types.js';
import { eventually } from '../support/eventually.js';
import { description, uidText, WsTestAgent } from '../support/opamp-agents.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('configurations across two server instances on one database (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  let operator: string;
  let key: string;

  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({ DATABASE_URL: a.databaseUrl });
    operator = await a.tokenFor('operator');
    const admin = await a.login();
    key = (
      await request(a.url).post('/api/v1/agent-keys').set('Authorization', `Bearer ${admin}`).send({ name: 'two' })
    ).body.key;
  });

  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('pushes at once to an agent held by the other instance, and exactly once to one held here', async () => {
    const remote = await WsTestAgent.connect(b.opampUrl, key);
    await remote.exchange({ agent_description: description('held-by-b', { env: 'scale' }) });
    const local = await WsTestAgent.connect(a.opampUrl, key);
    await local.exchange({ agent_description: description('held-by-a', { env: 'scale' }) });
    const [remoteNext, localNext] = [remote.received.length + 1, local.received.length + 1];

    const created = await request(a.url)
      .post('/api/v1/configurations')
      .set('Authorization', `Bearer ${operator}`)
      .send({ name: 'fleet', raw_config: 'a: 1', selector: { env: 'scale' } })
      .expect(201);
    // The heartbeat is 30 s, so only the wake-up from instance A explains a delivery this fast.
    const started = Date.now();
    const offered = await remote.message(remoteNext, 3000);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(Buffer.from(offered.remote_config!.config_hash!).toString('hex')).toBe(created.body.config_hash);
    await local.message(localNext, 3000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(local.received).toHaveLength(localNext);

    await remote.exchange({
      remote_config_status: {
        last_remote_config_hash: offered.remote_config!.config_hash,
        status: RemoteConfigStatuses.APPLIED,
      },
    });
    const history = await request(a.url)
      .get(`/api/v1/configurations/fleet/apply-history?agent_id=${uidText(remote.uid)}`)
      .set('Authorization', `Bearer ${operator}`)
      .expect(200);
    expect(history.body.map((r: { status: string }) => r.status)).toEqual(['applied']);

    const next = remote.received.length + 1;
    await request(a.url)
      .put('/api/v1/configurations/fleet')
      .set('Authorization', `Bearer ${operator}`)
      .send({ raw_config: 'a: 2' })
      .expect(200);
    const v2 = await remote.message(next, 3000);
    expect(Buffer.from(v2.remote_config!.config!.config_map![''].body!).toString()).toBe('a: 2');
    // One wake-up, one delivery: nothing else follows.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(remote.received).toHaveLength(next);

    // An operator's push on A reaches the agent B holds, under A's push id.
    const forwardedNext = remote.received.length + 1;
    const pushed = await request(a.url)
      .post('/api/v1/configurations/fleet/push')
      .set('Authorization', `Bearer ${operator}`)
      .send({ agent_ids: [uidText(remote.uid)] })
      .expect(200);
    expect(pushed.body).toEqual(expect.objectContaining({ targeted: 1, sent: 0, forwarded: 1, skipped: [] }));
    const again = await remote.message(forwardedNext, 3000);
    expect(Buffer.from(again.remote_config!.config!.config_map![''].body!).toString()).toBe('a: 2');
    const summary = await eventually(async () => {
      const response = await request(a.url)
        .get(`/api/v1/configurations/fleet/push/${pushed.body.push_id}`)
        .set('Authorization', `Bearer ${operator}`);
      return response.status === 200 ? response.body : undefined;
    });
    expect(summary).toEqual(expect.objectContaining({ targeted: 1, sent: 0, forwarded: 1, skipped: 0, total: 1 }));
    remote.close();
    local.close();
  });
  it('skips agents held by the other instance that already answered the version, as it does for its own', async () => {
    const agents = await Promise.all([1, 2, 3, 4, 5].map(() => WsTestAgent.connect(b.opampUrl, key)));
    for (const [i, agent] of agents.entries()) {
      await agent.exchange({ agent_description: description(`skip-${i}`, { env: 'skips' }) });
    }
    const next = agents.map((agent) => agent.received.length + 1);
    const created = await request(a.url)
      .post('/api/v1/configurations')
      .set('Authorization', `Bearer ${operator}`)
      .send({ name: 'skips', raw_config: 'b: 1', selector: { env: 'skips' } })
      .expect(201);
    const hash = Buffer.from(created.body.config_hash, 'hex');
    for (const [i, agent] of agents.entries()) {
      await agent.message(next[i], 3000);
      const status = i < 4 ? RemoteConfigStatuses.APPLIED : RemoteConfigStatuses.FAILED;
      await agent.exchange({ remote_config_status: { last_remote_config_hash: hash, status } });
    }
    // A sees what B stored of their reports.
    await eventually(async () => {
      const rows = await request(a.url)
        .get('/api/v1/configurations/skips/agents')
        .set('Authorization', `Bearer ${operator}`);
      return rows.body.filter((r: { reported_status: string | null }) => r.reported_status !== null).length === 5;
    });

    const pushed = await request(a.url)
      .post('/api/v1/configurations/skips/push')
      .set('Authorization', `Bearer ${operator}`)
      .expect(200);
    expect(pushed.body).toEqual(expect.objectContaining({ targeted: 5, sent: 0, forwarded: 0 }));
    expect(pushed.body.skipped).toHaveLength(5);
    expect(pushed.body.skipped).toEqual(
      expect.arrayContaining([
        ...agents.slice(0, 4).map((agent) => ({ agent_id: uidText(agent.uid), reason: 'already_applied' })),
        { agent_id: uidText(agents[4].uid), reason: 'already_failed' },
      ]),
    );
    const summary = await request(a.url)
      .get(`/api/v1/configurations/skips/push/${pushed.body.push_id}`)
      .set('Authorization', `Bearer ${operator}`)
      .expect(200);
    expect(summary.body).toEqual(expect.objectContaining({ targeted: 5, sent: 0, forwarded: 0, skipped: 5, total: 0 }));

    // Forced, the failed one is forwarded to B and offered again; the others are still skipped.
    const failedNext = agents[4].received.length + 1;
    const forced = await request(a.url)
      .post('/api/v1/configurations/skips/push')
      .set('Authorization', `Bearer ${operator}`)
      .send({ force: true })
      .expect(200);
    expect(forced.body).toEqual(expect.objectContaining({ forwarded: 1 }));
    expect(forced.body.skipped.map((s: { reason: string }) => s.reason)).toEqual(Array(4).fill('already_applied'));
    const again = await agents[4].message(failedNext, 3000);
    expect(Buffer.from(again.remote_config!.config_hash!).toString('hex')).toBe(created.body.config_hash);
    agents.forEach((agent) => agent.close());
  });
});
