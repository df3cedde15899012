import request from 'supertest';
import { eventually } from '../support/eventually.js';
import { connectFleet, type SimAgent, until } from '../support/sim-fleet.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Stage {
  stage: number;
  targeted: number;
  waiting: number;
  applied: number;
  failed: number;
  rolled_back: number;
  unhealthy: number;
  gates: Array<{ gate: string; passed: boolean }> | null;
}
interface Detail {
  id: string;
  status: string;
  current_stage: number;
  stage_count: number;
  tripped_gate: string | null;
  tripped_agents: string[] | null;
  reason: string | null;
  stages: Stage[];
}

/** Progressive rollouts over simulated WebSocket agents that answer offers like Collectors do. */
describe('rollouts (e2e)', () => {
  let app: TestApp;
  let operator: string;
  let viewer: string;
  let key: string;
  const fleets: SimAgent[][] = [];

  const api = (token = operator) => ({
    post: (path: string, body: object = {}) =>
      request(app.url).post(`/api/v1${path}`).set('Authorization', `Bearer ${token}`).send(body),
    put: (path: string, body: object) =>
      request(app.url).put(`/api/v1${path}`).set('Authorization', `Bearer ${token}`).send(body),
    get: (path: string) => request(app.url).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`),
  });
  const detail = async (id: string): Promise<Detail> => (await api(viewer).get(`/rollouts/${id}`).expect(200)).body;
  const stageAgents = async (id: string, stage: number): Promise<string[]> =>
    (await api(viewer).get(`/rollouts/${id}/agents?stage=${stage}`).expect(200)).body.map(
      (a: { agent_id: string }) => a.agent_id,
    );

  /** A configuration at v1 applied by `count` agents, then a v2 saved but held back. */
  async function fleetOnV2Held(name: string, count: number): Promise<{ fleet: SimAgent[]; v1: string; v2: string }> {
    const v1 = (
      await api()
        .post('/configurations', { name, raw_config: `${name}: 1\n`, selector: { fleet: name }, auto_push: false })
        .expect(201)
    ).body.config_hash as string;
    const fleet = await connectFleet(app.opampUrl, key, count, { fleet: name }, 300);
    fleets.push(fleet);
    await until(() => fleet.every((a) => a.running === v1), 15_000);
    const v2 = (
      await api()
        .put(`/configurations/${name}`, { raw_config: `${name}: 2\n` })
        .expect(200)
    ).body.config_hash as string;
    return { fleet, v1, v2 };
  }

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_HEARTBEAT_SECONDS: '1', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const admin = await app.login();
    operator = await app.tokenFor('operator');
    viewer = await app.tokenFor('viewer');
    key = (
      await request(app.url).post('/api/v1/agent-keys').set('Authorization', `Bearer ${admin}`).send({ name: 'ro' })
    ).body.key;
  });

  afterAll(async () => {
    fleets.flat().forEach((agent) => agent.close());
    await app.close();
  });

  it('takes a version through 3 stages, one stage after the other, offering each agent once', async () => {
    const { fleet, v2 } = await fleetOnV2Held('staged', 30);
    const created = await api()
      .post('/rollouts', {
        configuration: 'staged',
        plan: { type: 'percent', percents: [10, 50, 100] },
        bake_seconds: 1,
      })
      .expect(201);
    expect(created.body).toEqual(
      expect.objectContaining({ status: 'running', from_version: 1, to_version: 2, stage_count: 3, current_stage: 1 }),
    );
    const id = created.body.id as string;
    const [first, second, third] = [await stageAgents(id, 1), await stageAgents(id, 2), await stageAgents(id, 3)];
    expect([first.length, second.length, third.length]).toEqual([3, 12, 15]);
    const byId = new Map(fleet.map((a) => [a.id, a]));
    // While stage 1 bakes, nobody of the later stages has been offered the new version.
    await until(() => first.every((uid) => byId.get(uid)!.running === v2));
    const during = await detail(id);
    if (during.current_stage === 1) {
      expect([...second, ...third].every((uid) => byId.get(uid)!.offeredCount(v2) === 0)).toBe(true);
    }
    const done = await eventually(async () => {
      const d = await detail(id);
      return d.status === 'completed' && d;
    }, 20_000);
    expect(done.stages.map((s) => [s.targeted, s.applied])).toEqual([
      [3, 3],
      [12, 12],
      [15, 15],
    ]);
    expect(done.stages.every((s) => s.gates?.every((g) => g.passed))).toBe(true);
    expect(fleet.every((a) => a.running === v2 && a.offeredCount(v2) === 1)).toBe(true);
    const configuration = await api(viewer).get('/configurations/staged').expect(200);
    expect(configuration.body.released_version).toBe(2);
    // The order: stage 2 was offered only after stage 1 had applied.
    const agents = (await api(viewer).get(`/rollouts/${id}/agents`).expect(200)).body as Array<{
      stage: number;
      offered_at: string;
      finished_at: string;
      offers: number;
    }>;
    const lastOfStage1 = Math.max(...agents.filter((a) => a.stage === 1).map((a) => Date.parse(a.finished_at)));
    expect(
      Math.min(...agents.filter((a) => a.stage === 2).map((a) => Date.parse(a.offered_at))),
    ).toBeGreaterThanOrEqual(lastOfStage1);
    expect(agents.every((a) => a.offers === 1)).toBe(true);
    const listed = await api(viewer).get('/rollouts?configuration=staged').expect(200);
    expect(listed.body.map((r: { id: string }) => r.id)).toEqual([id]);
  });

  it('pauses at the stage where an updated agent turns unhealthy, and names it; resume goes on', async () => {
    const { fleet, v2 } = await fleetOnV2Held('sickly', 10);
    const created = await api()
      .post('/rollouts', {
        configuration: 'sickly',
        plan: { type: 'count', first: 2, multiplier: 2, max: 4 },
        bake_seconds: 2,
      })
      .expect(201);
    const id = created.body.id as string;
    expect(created.body.stage_count).toBe(3);
    const [secondStage, thirdStage] = [await stageAgents(id, 2), await stageAgents(id, 3)];
    const sick = fleet.find((a) => a.id === secondStage[0])!;
    await until(() => sick.running === v2, 10_000);
    sick.setHealthy(false);
    const paused = await eventually(async () => {
      const d = await detail(id);
      return d.status === 'paused' && d;
    }, 15_000);
    expect(paused).toEqual(
      expect.objectContaining({ current_stage: 2, tripped_gate: 'unhealthy', tripped_agents: [sick.id] }),
    );
    expect(paused.reason).toContain('unhealthy');
    expect(paused.stages[1].unhealthy).toBe(1);
    expect(paused.stages[2].waiting).toBe(thirdStage.length);
    expect(fleet.filter((a) => thirdStage.includes(a.id)).every((a) => a.offeredCount(v2) === 0)).toBe(true);
    await api(viewer).post(`/rollouts/${id}/resume`).expect(403);
    await api().post(`/rollouts/${id}/pause`).expect(409);

    sick.setHealthy(true);
    await eventually(async () => (await api(viewer).get(`/agents/${sick.id}`)).body.healthy === true);
    await api().post(`/rollouts/${id}/resume`).expect(200);
    await eventually(async () => (await detail(id)).status === 'completed', 15_000);
    expect(fleet.every((a) => a.running === v2)).toBe(true);
  });

  it('with auto_rollback gives the updated agents their previous version back, and the history says why', async () => {
    const { fleet, v1, v2 } = await fleetOnV2Held('fragile', 10);
    // Nobody answers until the refusing agent is chosen: an APPLIED sent first would race the test.
    fleet.forEach((agent) => (agent.answer = 'ignore'));
    const created = await api()
      .post('/rollouts', {
        configuration: 'fragile',
        plan: { type: 'percent', percents: [40, 100] },
        bake_seconds: 5,
        auto_rollback: true,
      })
      .expect(201);
    const id = created.body.id as string;
    const [first, rest] = [await stageAgents(id, 1), await stageAgents(id, 2)];
    expect(first).toHaveLength(4);
    // One agent of the first stage refuses the new version.
    const refusing = fleet.find((a) => a.id === first[0])!;
    fleet.forEach((agent) => (agent.answer = agent === refusing ? 'fail' : 'apply'));
    const offered = fleet.filter((a) => first.includes(a.id));
    await until(() => offered.every((a) => a.offeredCount(v2) === 1), 10_000);
    offered.forEach((agent) => agent.answerLast());
    const rolledBack = await eventually(async () => {
      const d = await detail(id);
      return d.status === 'rolled_back' && d;
    }, 15_000);
    refusing.answer = 'apply';
    expect(rolledBack).toEqual(expect.objectContaining({ current_stage: 1, tripped_gate: 'failed' }));
    expect(rolledBack.tripped_agents).toEqual([refusing.id]);
    const updated = fleet.filter((a) => first.includes(a.id));
    await until(() => updated.every((a) => a.running === v1), 10_000);
    expect(fleet.filter((a) => rest.includes(a.id)).every((a) => a.offeredCount(v2) === 0 && a.running === v1)).toBe(
      true,
    );
    for (const agent of updated) {
      const history = (await api(viewer).get(`/configurations/fragile/apply-history?agent_id=${agent.id}`).expect(200))
        .body as Array<{ config_hash: string; status: string; error_message: string | null }>;
      const onV2 = history.find((h) => h.config_hash === v2)!;
      expect(onV2.status).toBe('rolled_back');
      expect(onV2.error_message).toMatch(/gate failed tripped at stage 1/);
    }
    const configuration = await api(viewer).get('/configurations/fragile').expect(200);
    expect(configuration.body.released_version).toBe(1);
    // A new rollout may start once this one is over.
    await api()
      .post('/rollouts', { configuration: 'fragile', plan: { type: 'percent', percents: [100] } })
      .expect(201);
  });

  it('refuses bad requests with clear 400/403/404/409 and writes nothing', async () => {
    await api()
      .post('/configurations', { name: 'guarded', raw_config: 'g: 1\n', selector: { fleet: 'none' }, auto_push: false })
      .expect(201);
    const badPlan = await api()
      .post('/rollouts', { configuration: 'guarded', plan: { type: 'percent', percents: [10, 50] } })
      .expect(400);
    expect(badPlan.body.message).toContain('plan.percents must end with 100');
    const badGate = await api()
      .post('/rollouts', {
        configuration: 'guarded',
        plan: { type: 'percent', percents: [100] },
        gates: { max_bad: 1 },
      })
      .expect(400);
    expect(badGate.body.message).toContain('gates.max_bad is not a gate');
    await api().post('/rollouts', { configuration: 'guarded', plan: 'all' }).expect(400);
    const unknown = await api()
      .post('/rollouts', { configuration: 'missing', plan: { type: 'percent', percents: [100] } })
      .expect(404);
    expect(unknown.body.message).toContain('missing');
    const nothing = await api()
      .post('/rollouts', { configuration: 'guarded', plan: { type: 'percent', percents: [100] } })
      .expect(409);
    expect(nothing.body.message).toContain('already what its agents are given');
    await api()
      .post('/rollouts', { configuration: 'guarded', version: 7, plan: { type: 'percent', percents: [100] } })
      .expect(404);
    await api(viewer)
      .post('/rollouts', { configuration: 'guarded', plan: { type: 'percent', percents: [100] } })
      .expect(403);
    expect((await api(viewer).get('/rollouts?configuration=guarded').expect(200)).body).toEqual([]);

    await api().put('/configurations/guarded', { raw_config: 'g: 2\n' }).expect(200);
    const slow = { configuration: 'guarded', plan: { type: 'percent', percents: [100] }, bake_seconds: 600 };
    const first = await api().post('/rollouts', slow).expect(201);
    const second = await api().post('/rollouts', slow).expect(409);
    expect(second.body.message).toContain(first.body.id);
    await api().post(`/rollouts/${first.body.id}/cancel`).expect(200);
    await api().post(`/rollouts/${first.body.id}/resume`).expect(409);
    await api(viewer).get('/rollouts/00000000-0000-4000-8000-000000000000').expect(404);
    await api(viewer).get('/rollouts/not-a-uuid').expect(400);
  });

  it('starts a rollout by itself when a configuration with a rollout policy gets a new version', async () => {
    const name = 'policed';
    const v1 = (
      await api()
        .post('/configurations', {
          name,
          raw_config: 'p: 1\n',
          selector: { fleet: name },
          rollout_policy: { plan: { type: 'percent', percents: [50, 100] }, bake_seconds: 1 },
        })
        .expect(201)
    ).body.config_hash as string;
    const fleet = await connectFleet(app.opampUrl, key, 4, { fleet: name }, 300);
    fleets.push(fleet);
    await until(() => fleet.every((a) => a.running === v1), 10_000);
    const v2 = await api().put(`/configurations/${name}`, { raw_config: 'p: 2\n' }).expect(200);
    expect(v2.body.released_version).toBe(1);
    const [rollout] = (await api(viewer).get(`/rollouts?configuration=${name}`).expect(200)).body;
    expect(rollout).toEqual(expect.objectContaining({ to_version: 2, stage_count: 2 }));
    await eventually(async () => (await detail(rollout.id)).status === 'completed', 15_000);
    expect(fleet.every((a) => a.running === v2.body.config_hash)).toBe(true);
    await api()
      .put(`/configurations/${name}`, { rollout_policy: { plan: { type: 'percent', percents: [5] } } })
      .expect(400);
  });
});
