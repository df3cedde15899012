import request from 'supertest';
import { RemoteConfigStatuses } from '../../src/opamp/proto/opamp.types.js';
import { description, eventually, uidText, WsTestAgent } from '../support/opamp-agents.js';
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
});
