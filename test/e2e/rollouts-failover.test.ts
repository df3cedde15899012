import request from 'supertest';
import { sql } from '../support/agents.js';
import { createTestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { connectFleet, type SimAgent, until } from '../support/sim-fleet.js';
import { spawnInstance, type SpawnedInstance } from '../support/spawned-instance.js';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Two server processes on one database. The instance holding a rollout's lease is killed with
 * SIGKILL in the middle of a stage; the other one takes the lease over and finishes the rollout,
 * and no agent is offered the new version twice.
 */
describe('rollouts: the lease holder dies mid-stage (e2e)', () => {
  let databaseUrl: string;
  let holder: SpawnedInstance | undefined;
  let survivor: TestApp | undefined;
  let fleet: SimAgent[] = [];

  const login = async (url: string) =>
    (await request(url).post('/api/v1/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD }).expect(200))
      .body.token as string;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    const env = { DATABASE_URL: databaseUrl, OPAMP_HEARTBEAT_SECONDS: '1' };
    // The survivor runs in this process; the holder is a real child process, so it can be SIGKILLed.
    survivor = await startTestApp({ ...env, INSTANCE_ID: 'rollout-survivor' });
    holder = await spawnInstance({ ...env, LOG_LEVEL: 'error', INSTANCE_ID: 'rollout-holder' });
  }, 120_000);

  afterAll(async () => {
    fleet.forEach((agent) => agent.close());
    await holder?.kill();
    await survivor?.close();
  });

  it('another instance takes the lease over and finishes the rollout without re-offering', async () => {
    const token = await login(holder!.url);
    const auth = { Authorization: `Bearer ${token}` };
    // Each instance signs its own tokens here (no shared JWT secret in the test environment).
    const survivorAuth = { Authorization: `Bearer ${await login(survivor!.url)}` };
    const key = (await request(holder!.url).post('/api/v1/agent-keys').set(auth).send({ name: 'failover' }).expect(201))
      .body.key as string;
    await request(holder!.url)
      .post('/api/v1/configurations')
      .set(auth)
      .send({ name: 'failover', raw_config: 'f: 1\n', selector: { fleet: 'failover' }, auto_push: false })
      .expect(201);
    // Every agent is held by the survivor: what the holder offers reaches them through PostgreSQL.
    fleet = await connectFleet(survivor!.opampUrl, key, 12, { fleet: 'failover' }, 300);
    await until(() => fleet.every((a) => a.running !== null), 10_000);
    const v1 = fleet[0].running!;
    const v2 = (
      await request(holder!.url)
        .put('/api/v1/configurations/failover')
        .set(auth)
        .send({ raw_config: 'f: 2\n' })
        .expect(200)
    ).body.config_hash as string;
    const created = await request(holder!.url)
      .post('/api/v1/rollouts')
      .set(auth)
      .send({ configuration: 'failover', plan: { type: 'percent', percents: [25, 50, 100] }, bake_seconds: 3 })
      .expect(201);
    const id = created.body.id as string;
    expect(created.body.lease_owner).toBe('rollout-holder');

    // Killed while stage 2 bakes (its agents applied, the gates not yet evaluated).
    await eventually(async () => {
      const d = (await request(survivor!.url).get(`/api/v1/rollouts/${id}`).set(survivorAuth).expect(200)).body;
      return d.current_stage === 2 && d.phase === 'bake';
    }, 20_000);
    await holder!.kill();
    holder = undefined;

    const takenOver = await eventually(async () => {
      const d = (await request(survivor!.url).get(`/api/v1/rollouts/${id}`).set(survivorAuth).expect(200)).body;
      return d.lease_owner === 'rollout-survivor' && d;
    }, 15_000);
    expect(takenOver.status).toBe('running');
    const done = await eventually(async () => {
      const d = (await request(survivor!.url).get(`/api/v1/rollouts/${id}`).set(survivorAuth).expect(200)).body;
      return d.status === 'completed' && d;
    }, 30_000);
    expect(done.stages.map((s: { applied: number }) => s.applied)).toEqual([3, 3, 6]);
    expect(fleet.every((a) => a.running === v2)).toBe(true);
    expect(fleet.map((a) => a.offeredCount(v2))).toEqual(fleet.map(() => 1));
    expect(fleet.every((a) => a.offeredCount(v1) === 1)).toBe(true);
    const offers = await sql<{ offers: number }>(
      databaseUrl,
      'SELECT offers FROM rollout_agents WHERE rollout_id = $1',
      [id],
    );
    expect(offers.map((o) => o.offers)).toEqual(fleet.map(() => 1));
  }, 120_000);
});
