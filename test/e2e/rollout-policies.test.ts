import request from 'supertest';
import { eventually } from '../support/eventually.js';
import { connectFleet, type SimAgent, until } from '../support/sim-fleet.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Effective {
  source: string;
  policy: { plan: { type: string } } | null;
  default_policy: string | null;
  reason: string;
}

/** Default rollout policies by label: CRUD and what they do to a configuration's next version. */
describe('default rollout policies (e2e)', () => {
  let app: TestApp;
  let admin: string;
  let operator: string;
  let viewer: string;
  let key: string;
  const fleets: SimAgent[][] = [];

  const api = (token: string) => ({
    post: (path: string, body: object = {}) =>
      request(app.url).post(`/api/v1${path}`).set('Authorization', `Bearer ${token}`).send(body),
    put: (path: string, body: object) =>
      request(app.url).put(`/api/v1${path}`).set('Authorization', `Bearer ${token}`).send(body),
    patch: (path: string, body: object) =>
      request(app.url).patch(`/api/v1${path}`).set('Authorization', `Bearer ${token}`).send(body),
    get: (path: string) => request(app.url).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`),
    delete: (path: string) => request(app.url).delete(`/api/v1${path}`).set('Authorization', `Bearer ${token}`),
  });
  const effective = async (name: string): Promise<Effective> =>
    (await api(viewer).get(`/configurations/${name}`).expect(200)).body.effective_rollout_policy;
  const rolloutsOf = async (name: string): Promise<Array<{ id: string; to_version: number; stage_count: number }>> =>
    (await api(viewer).get(`/rollouts?configuration=${name}`).expect(200)).body;

  /** A configuration at v1 applied by `count` agents labelled `labels`. */
  async function configured(name: string, labels: Record<string, string>, extra: object = {}): Promise<SimAgent[]> {
    const v1 = (
      await api(operator)
        .post('/configurations', { name, raw_config: `${name}: 1\n`, selector: { fleet: name }, ...extra })
        .expect(201)
    ).body.config_hash as string;
    const fleet = await connectFleet(app.opampUrl, key, 4, { fleet: name, ...labels }, 300);
    fleets.push(fleet);
    await until(() => fleet.every((a) => a.running === v1), 10_000);
    return fleet;
  }

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_HEARTBEAT_SECONDS: '1', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' });
    admin = await app.login();
    operator = await app.tokenFor('operator');
    viewer = await app.tokenFor('viewer');
    key = (await api(admin).post('/agent-keys', { name: 'policies' })).body.key;
  });

  afterAll(async () => {
    fleets.flat().forEach((agent) => agent.close());
    await app.close();
  });

  it('refuses bad input with clear messages, 403 for non-admins, 404 and 409, and writes nothing', async () => {
    const good = {
      name: 'prod-staged',
      selector: { env: 'prod' },
      policy: { plan: { type: 'percent', percents: [100] } },
    };
    const cases: Array<[object, string]> = [
      [{ ...good, policy: { plan: { type: 'percent', percents: [10, 50] } } }, 'plan.percents must end with 100'],
      [{ ...good, policy: { plan: { type: 'percent', percents: [100] }, gates: { max_bad: 1 } } }, 'gates.max_bad'],
      [{ ...good, policy: null }, 'policy is required'],
      [{ ...good, policy: undefined }, 'policy is required'],
      [{ ...good, selector: {} }, 'selector must name at least one label'],
      [{ ...good, selector: { env: 1 } }, 'selector must be an object'],
      [{ ...good, selector: undefined }, 'selector is required'],
      [{ ...good, name: 'bad name!' }, 'name must be'],
      [{ ...good, priority: 1.5 }, 'priority must be an integer'],
    ];
    for (const [body, message] of cases) {
      const refused = await api(admin).post('/rollout-policies', body).expect(400);
      expect(refused.body.message).toContain(message);
    }
    await api(operator).post('/rollout-policies', good).expect(403);
    expect((await api(viewer).get('/rollout-policies').expect(200)).body).toEqual([]);

    const created = await api(admin).post('/rollout-policies', good).expect(201);
    expect(created.body).toEqual(expect.objectContaining({ name: 'prod-staged', priority: 0, created_by: 'admin' }));
    const duplicate = await api(admin)
      .post('/rollout-policies', { ...good, name: 'PROD-staged' })
      .expect(409);
    expect(duplicate.body.code).toBe('DefaultRolloutPolicyAlreadyExists');
    await api(viewer).get('/rollout-policies/missing').expect(404);
    await api(admin).patch('/rollout-policies/missing', { priority: 1 }).expect(404);
    await api(admin).delete('/rollout-policies/missing').expect(404);
    await api(operator).patch('/rollout-policies/prod-staged', { priority: 1 }).expect(403);
    await api(operator).delete('/rollout-policies/prod-staged').expect(403);
    const nulled = await api(admin).patch('/rollout-policies/prod-staged', { policy: null }).expect(400);
    expect(nulled.body.message).toContain('policy cannot be null');
    await api(admin)
      .patch('/rollout-policies/prod-staged', { policy: { plan: { type: 'count', first: 0 } } })
      .expect(400);
    const unchanged = await api(viewer).get('/rollout-policies/prod-staged').expect(200);
    expect(unchanged.body.policy).toEqual(good.policy);
    const patched = await api(admin).patch('/rollout-policies/prod-staged', { priority: 5 }).expect(200);
    expect(patched.body).toEqual(expect.objectContaining({ priority: 5, selector: { env: 'prod' } }));
    await api(admin).delete('/rollout-policies/prod-staged').expect(204);
    await api(viewer).get('/rollout-policies/prod-staged').expect(404);
  });

  it('makes a new version start a rollout for a configuration without its own policy whose agents match', async () => {
    const policy = { plan: { type: 'percent', percents: [50, 100] }, bake_seconds: 1 };
    await api(admin)
      .post('/rollout-policies', { name: 'prod-halves', selector: { env: 'prod' }, policy, priority: 10 })
      .expect(201);
    // Lower priority, matching the same agents: the higher one wins.
    await api(admin)
      .post('/rollout-policies', {
        name: 'prod-all',
        selector: { env: 'prod' },
        policy: { plan: { type: 'percent', percents: [100] } },
      })
      .expect(201);
    const fleet = await configured('inherits', { env: 'prod' });
    expect(await effective('inherits')).toEqual(
      expect.objectContaining({ source: 'default', default_policy: 'prod-halves', policy }),
    );
    const v2 = await api(operator).put('/configurations/inherits', { raw_config: 'inherits: 2\n' }).expect(200);
    // Not released at once: the rollout takes it to the agents.
    expect(v2.body.released_version).toBe(1);
    const [rollout] = await rolloutsOf('inherits');
    expect(rollout).toEqual(expect.objectContaining({ to_version: 2, stage_count: 2 }));
    await eventually(
      async () => (await api(viewer).get(`/rollouts/${rollout.id}`).expect(200)).body.status === 'completed',
      15_000,
    );
    await until(() => fleet.every((a) => a.running === v2.body.config_hash), 5_000);
    expect(fleet.every((a) => a.offeredCount(v2.body.config_hash) === 1)).toBe(true);
  });

  it('does not for a configuration that opted out, whose agents do not match, or that has its own policy', async () => {
    const optedOut = await configured('opted-out', { env: 'prod' }, { inherit_rollout_policy: false });
    expect(await effective('opted-out')).toEqual(
      expect.objectContaining({
        source: 'none',
        policy: null,
        reason: expect.stringContaining('inherit_rollout_policy'),
      }),
    );
    const staging = await configured('staging', { env: 'staging' });
    expect(await effective('staging')).toEqual(
      expect.objectContaining({ source: 'none', reason: expect.stringContaining('no default rollout policy matches') }),
    );
    const own = { plan: { type: 'percent', percents: [25, 100] }, bake_seconds: 1 };
    await configured('own-policy', { env: 'prod' }, { rollout_policy: own });
    expect(await effective('own-policy')).toEqual(
      expect.objectContaining({ source: 'configuration', policy: own, default_policy: null }),
    );
    for (const [name, fleet] of [
      ['opted-out', optedOut],
      ['staging', staging],
    ] as const) {
      const v2 = await api(operator)
        .put(`/configurations/${name}`, { raw_config: `${name}: 2\n` })
        .expect(200);
      expect(v2.body.released_version).toBe(2);
      await until(() => fleet.every((a) => a.running === v2.body.config_hash), 10_000);
      expect(await rolloutsOf(name)).toEqual([]);
    }
    await api(operator).put('/configurations/own-policy', { raw_config: 'own-policy: 2\n' }).expect(200);
    const [rollout] = await rolloutsOf('own-policy');
    expect(rollout.stage_count).toBe(2);
    expect((await api(viewer).get(`/rollouts/${rollout.id}`).expect(200)).body.plan).toEqual(own.plan);

    // Opting back in: the default applies to the next version.
    await api(operator).put('/configurations/opted-out', { inherit_rollout_policy: true }).expect(200);
    expect((await effective('opted-out')).default_policy).toBe('prod-halves');
    const held = await api(operator).put('/configurations/opted-out', { raw_config: 'opted-out: 3\n' }).expect(200);
    expect(held.body.released_version).toBe(2);
    expect((await rolloutsOf('opted-out')).map((r) => r.to_version)).toEqual([3]);
    // auto_push off: nothing starts by itself whatever the defaults say.
    await api(operator).put('/configurations/staging', { auto_push: false }).expect(200);
    expect(await effective('staging')).toEqual(
      expect.objectContaining({ source: 'none', reason: expect.stringContaining('auto_push is off') }),
    );
  });
});
