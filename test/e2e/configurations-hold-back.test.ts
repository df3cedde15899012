import { eventually } from '../support/eventually.js';
import { SimAgent, until } from '../support/sim-fleet.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** `auto_push: false` holds a new version back: heartbeats and new connections get the released one. */
describe('configurations: auto_push false holds a new version back (e2e)', () => {
  let app: TestApp;
  let operator: string;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_HEARTBEAT_SECONDS: '1' });
    operator = await app.tokenFor('operator');
    key = await app.agentKey('hold');
  });

  afterAll(async () => {
    await app.close();
  });

  const api = () => app.api(operator);

  it('offers the saved version only after an explicit push, to connected and newly connecting agents alike', async () => {
    const v1 = await api()
      .post('/configurations', { name: 'held', raw_config: 'a: 1\n', selector: { fleet: 'held' }, auto_push: false })
      .expect(201);
    const agent = (await SimAgent.connect(app.opampUrl, key, 'held-1', { fleet: 'held' })).heartbeat(50);
    await until(() => agent.running === v1.body.config_hash);

    const v2 = await api().put('/configurations/held', { raw_config: 'a: 2\n' }).expect(200);
    expect(v2.body).toEqual(expect.objectContaining({ version: 2, released_version: 1 }));
    // Many heartbeats later (each one compares the desired hash), the new hash was never offered.
    const heartbeatsBefore = agent.agent.received.length;
    await until(() => agent.agent.received.length >= heartbeatsBefore + 20);
    expect(agent.offeredCount(v2.body.config_hash)).toBe(0);
    // A newly connecting agent is offered the released version, not the saved one.
    const late = await SimAgent.connect(app.opampUrl, key, 'held-2', { fleet: 'held' });
    await until(() => late.running === v1.body.config_hash);
    expect(late.offeredCount(v2.body.config_hash)).toBe(0);
    const detail = await api().get(`/agents/${late.id}`).expect(200);
    expect(detail.body.configuration).toEqual(expect.objectContaining({ assigned_version: 1 }));

    // A push to one agent moves only that one.
    await api()
      .post('/configurations/held/push', { agent_ids: [late.id] })
      .expect(200);
    await until(() => late.running === v2.body.config_hash);
    expect(agent.offeredCount(v2.body.config_hash)).toBe(0);
    // The server has its APPLIED report before the next push: an agent whose answer is still on
    // the wire is offered the hash again (it reported nothing that says it has it).
    await eventually(
      async () =>
        (await api().get(`/agents/${late.id}/apply-history?status=applied&version=2`).expect(200)).body.length === 1,
      { what: 'the late agent recorded as applied v2' },
    );
    // A push to everyone releases it.
    const pushed = await api().post('/configurations/held/push').expect(200);
    expect(pushed.body.version).toBe(2);
    await until(() => agent.running === v2.body.config_hash);
    expect(agent.offeredCount(v2.body.config_hash)).toBe(1);
    expect(late.offeredCount(v2.body.config_hash)).toBe(1);
    expect((await api().get('/configurations/held').expect(200)).body.released_version).toBe(2);
    agent.close();
    late.close();
  });

  it('releases at once with auto_push on', async () => {
    await api()
      .post('/configurations', { name: 'eager', raw_config: 'b: 1\n', selector: { fleet: 'eager' } })
      .expect(201);
    const agent = (await SimAgent.connect(app.opampUrl, key, 'eager-1', { fleet: 'eager' })).heartbeat(100);
    const v2 = await api().put('/configurations/eager', { raw_config: 'b: 2\n' }).expect(200);
    expect(v2.body.released_version).toBe(2);
    await until(() => agent.running === v2.body.config_hash);
    agent.close();
  });
});
