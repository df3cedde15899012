import request from 'supertest';
import { CLI_TIMEOUT, cliUser } from '../support/cli.js';
import { eventually } from '../support/eventually.js';
import { SEED_FIELDS, upload } from '../support/packages.js';
import { connectPackageFleet, type PackageSimAgent } from '../support/sim-package-agent.js';
import { until } from '../support/sim-fleet.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Detail {
  id: string;
  subject: string;
  package: { assignment_id: number | null; package_id: number | null; name: string; version: string } | null;
  configuration: string | null;
  status: string;
  current_stage: number;
  stage_count: number;
  tripped_gate: string | null;
  tripped_agents: string[] | null;
  reason: string | null;
  stages: Array<{ targeted: number; applied: number; failed: number; timeout: number; rolled_back: number }>;
}

const V1 = 'otelcol@1.0.0';
const V2 = 'otelcol@2.0.0';

/** Rollouts of a package version through a held package assignment, over simulated agents that install packages. */
describe('package rollouts (e2e)', () => {
  let app: TestApp;
  let operator: string;
  let viewer: string;
  let key: string;
  let v2: number;
  /** The rollout the first test completes, and its assignment. */
  let completed: { id: string; assignment: number } | undefined;
  const fleets: PackageSimAgent[][] = [];

  const api = (token = operator) => ({
    post: (path: string, body: object = {}) =>
      request(app.url).post(`/api/v1${path}`).set('Authorization', `Bearer ${token}`).send(body),
    get: (path: string) => request(app.url).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`),
  });
  const detail = async (id: string): Promise<Detail> => (await api(viewer).get(`/rollouts/${id}`).expect(200)).body;
  const stageAgents = async (id: string, stage: number): Promise<string[]> =>
    (await api(viewer).get(`/rollouts/${id}/agents?stage=${stage}`).expect(200)).body.map(
      (a: { agent_id: string }) => a.agent_id,
    );
  const holdV2 = async (fleet: string): Promise<number> =>
    (await api().post('/package-assignments', { package_id: v2, selector: { fleet }, hold: true }).expect(201)).body
      .id as number;
  const settled = (id: string, status: string) =>
    eventually(async () => {
      const d = await detail(id);
      return d.status === status && d;
    }, 20_000);
  /** `count` agents running otelcol 1.0.0 (`unknown` of them report no otelcol at all). */
  async function fleetOnV1(name: string, count: number, unknown = 0): Promise<PackageSimAgent[]> {
    const known = await connectPackageFleet(app.opampUrl, key, count - unknown, { fleet: name }, { otelcol: '1.0.0' });
    const bare = await connectPackageFleet(app.opampUrl, key, unknown, { fleet: name }, {});
    fleets.push([...known, ...bare]);
    return [...known, ...bare];
  }

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_HEARTBEAT_SECONDS: '1', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const admin = await app.login();
    operator = await app.tokenFor('operator');
    viewer = await app.tokenFor('viewer');
    key = (await api(admin).post('/agent-keys', { name: 'pkg-rollouts' }).expect(201)).body.key;
    for (const version of ['1.0.0', '2.0.0']) {
      const created = await upload(app.url, operator, Buffer.from(`otelcol ${version}`), {
        ...SEED_FIELDS,
        name: 'otelcol',
        version,
      }).expect(201);
      v2 = created.body.id as number;
    }
  });

  afterAll(async () => {
    fleets.flat().forEach((agent) => agent.close());
    await app.close();
  });

  it('takes a package version through 3 stages, offering later stages only after earlier ones installed', async () => {
    const fleet = await fleetOnV1('staged', 10);
    const assignment = await holdV2('staged');
    const created = await api()
      .post('/rollouts', {
        package_assignment: assignment,
        plan: { type: 'percent', percents: [20, 50, 100] },
        bake_seconds: 1,
      })
      .expect(201);
    expect(created.body).toEqual(
      expect.objectContaining({
        subject: 'package',
        configuration: null,
        to_version: null,
        package: { assignment_id: assignment, package_id: v2, name: 'otelcol', version: '2.0.0' },
        stage_count: 3,
      }),
    );
    const id = created.body.id as string;
    const [first, second, third] = [await stageAgents(id, 1), await stageAgents(id, 2), await stageAgents(id, 3)];
    expect([first.length, second.length, third.length]).toEqual([2, 3, 5]);
    const byId = new Map(fleet.map((a) => [a.id, a]));
    await until(() => first.every((uid) => byId.get(uid)!.installed.get('otelcol') === '2.0.0'), 10_000);
    const during = await detail(id);
    if (during.current_stage === 1) {
      // While stage 1 bakes, the held assignment reaches nobody of the later stages.
      expect([...second, ...third].map((uid) => byId.get(uid)!.offeredCount(V2))).toEqual(Array(8).fill(0));
    }
    const done = await settled(id, 'completed');
    expect(done.stages.map((s) => [s.targeted, s.applied])).toEqual([
      [2, 2],
      [3, 3],
      [5, 5],
    ]);
    expect(fleet.every((a) => a.installed.get('otelcol') === '2.0.0' && a.offeredCount(V2) === 1)).toBe(true);
    const agents = (await api(viewer).get(`/rollouts/${id}/agents`).expect(200)).body as Array<{
      stage: number;
      offered_at: string;
      finished_at: string;
      previous_package_version: string | null;
    }>;
    const lastOfStage1 = Math.max(...agents.filter((a) => a.stage === 1).map((a) => Date.parse(a.finished_at)));
    expect(
      Math.min(...agents.filter((a) => a.stage === 2).map((a) => Date.parse(a.offered_at))),
    ).toBeGreaterThanOrEqual(lastOfStage1);
    expect(agents.every((a) => a.previous_package_version === '1.0.0')).toBe(true);
    // Completed: the assignment is released to every agent it names.
    const assignments = (await api(viewer).get('/package-assignments').expect(200)).body as Array<{
      id: number;
      held: boolean;
    }>;
    expect(assignments.find((a) => a.id === assignment)?.held).toBe(false);
    const listed = await api(viewer).get(`/rollouts?package_assignment=${assignment}`).expect(200);
    expect(listed.body.map((r: { id: string }) => r.id)).toEqual([id]);
    completed = { id, assignment };
  });

  it(
    'opampctl rollouts list and status show the package as its subject',
    async () => {
      const { id, assignment } = completed!;
      const cli = cliUser();
      try {
        const env = { OPAMP_SERVER: app.url, OPAMP_TOKEN: viewer };
        const status = await cli.run(['rollouts', 'status', id], { env });
        expect(status.code).toBe(0);
        expect(status.stdout).toContain(`rollout ${id}: package otelcol@2.0.0 (assignment ${assignment})`);
        const list = await cli.run(['rollouts', 'list', '--package-assignment', String(assignment)], { env });
        expect(list.code).toBe(0);
        expect(list.stdout).toMatch(new RegExp(`${id}\\s+package otelcol@2\\.0\\.0\\s+-> 2\\.0\\.0\\s+completed`));
        const bad = await cli.run(['rollouts', 'list', '--package-assignment', 'four'], { env });
        expect(bad.code).not.toBe(0);
        expect(bad.stderr).toContain('--package-assignment must be a package assignment id');
      } finally {
        cli.cleanup();
      }
    },
    CLI_TIMEOUT,
  );

  it('pauses at the stage where an agent fails to install; a rollback offers the updated agents 1.0.0 again', async () => {
    const fleet = await fleetOnV1('failing', 8);
    const assignment = await holdV2('failing');
    const created = await api()
      .post('/rollouts', {
        package_assignment: assignment,
        plan: { type: 'count', first: 2, multiplier: 2, max: 4 },
        bake_seconds: 1,
      })
      .expect(201);
    const id = created.body.id as string;
    const [first, second, third] = [await stageAgents(id, 1), await stageAgents(id, 2), await stageAgents(id, 3)];
    expect([first.length, second.length, third.length]).toEqual([2, 4, 2]);
    const byId = new Map(fleet.map((a) => [a.id, a]));
    const failing = byId.get(second[1])!;
    failing.answer = 'fail';

    const paused = await settled(id, 'paused');
    expect(paused).toEqual(
      expect.objectContaining({ current_stage: 2, tripped_gate: 'failed', tripped_agents: [failing.id] }),
    );
    expect(paused.reason).toMatch(/gate failed tripped at stage 2 of 3/);
    expect(paused.stages[1]).toEqual(expect.objectContaining({ failed: 1 }));
    expect(third.map((uid) => byId.get(uid)!.offeredCount(V2))).toEqual([0, 0]);
    expect(failing.installed.get('otelcol')).toBe('1.0.0');

    // One active rollout per assignment.
    const again = await api()
      .post('/rollouts', { package_assignment: assignment, plan: { type: 'percent', percents: [100] } })
      .expect(409);
    expect(again.body).toEqual(expect.objectContaining({ code: 'RolloutAlreadyActive' }));
    expect(again.body.message).toContain(id);

    const rolledBack = await api().post(`/rollouts/${id}/rollback`).expect(200);
    expect(rolledBack.body.status).toBe('rolled_back');
    const updated = [...first, ...second].map((uid) => byId.get(uid)!);
    await until(() => updated.every((a) => a.installed.get('otelcol') === '1.0.0' && a.offeredCount(V1) === 1), 10_000);
    expect(third.map((uid) => byId.get(uid)!.offers)).toEqual([[], []]);
    const final = await detail(id);
    expect(final.reason).toMatch(/6 agent\(s\) offered their previous version of otelcol again/);
    expect(final.stages.map((s) => s.rolled_back)).toEqual([2, 4, 0]);
  });

  it('with auto_rollback, rolls the updated agents back itself and says which had no known previous version', async () => {
    const fleet = await fleetOnV1('auto', 6, 1);
    const [failing, bare] = [fleet[0], fleet[5]];
    failing.answer = 'fail';
    const assignment = await holdV2('auto');
    // Stage 1 is the two agents labelled sim=0: one fails to install, the other reported no otelcol before.
    const created = await api()
      .post('/rollouts', {
        package_assignment: assignment,
        plan: { type: 'labels', selectors: [{ sim: '0' }] },
        bake_seconds: 1,
        auto_rollback: true,
      })
      .expect(201);
    const id = created.body.id as string;
    expect((await stageAgents(id, 1)).sort()).toEqual([failing.id, bare.id].sort());

    const done = await settled(id, 'rolled_back');
    expect(done).toEqual(expect.objectContaining({ tripped_gate: 'failed', tripped_agents: [failing.id] }));
    expect(done.reason).toMatch(/^gate failed tripped at stage 1 of 2/);
    const final = await eventually(async () => {
      const d = await detail(id);
      return d.reason?.includes('previous version') && d;
    });
    expect(final.reason).toContain(
      '1 agent(s) offered their previous version of otelcol again; 1 with no known previous version',
    );
    expect(final.reason).toContain('are no longer offered otelcol@2.0.0');
    await until(() => failing.offeredCount(V1) === 1 && bare.installed.get('otelcol') === '2.0.0');
    expect(failing.installed.get('otelcol')).toBe('1.0.0');
    expect(bare.offeredCount(V1)).toBe(0);
    expect(fleet.slice(1, 5).map((a) => a.offers)).toEqual([[], [], [], []]);
    expect(final.stages.map((s) => s.rolled_back)).toEqual([2, 0]);
  });

  it('pauses when an agent that installed the version turns unhealthy during the bake, and names it', async () => {
    const fleet = await fleetOnV1('sickly', 4);
    const sick = fleet[0];
    const assignment = await holdV2('sickly');
    const created = await api()
      .post('/rollouts', {
        package_assignment: assignment,
        plan: { type: 'labels', selectors: [{ sim: '0' }] },
        bake_seconds: 30,
      })
      .expect(201);
    const id = created.body.id as string;
    await until(() => sick.installed.get('otelcol') === '2.0.0');
    sick.setHealthy(false);
    const paused = await settled(id, 'paused');
    expect(paused).toEqual(
      expect.objectContaining({ current_stage: 1, tripped_gate: 'unhealthy', tripped_agents: [sick.id] }),
    );
    expect(paused.stages[0]).toEqual(expect.objectContaining({ applied: 1, unhealthy: 1 }));
    expect(fleet.slice(1).map((a) => a.offers)).toEqual([[], [], []]);
  });

  it('counts an agent that never reports within apply_timeout_seconds as failed, and pauses', async () => {
    const fleet = await fleetOnV1('silent', 3);
    const silent = fleet[0];
    silent.answer = 'ignore';
    const assignment = await holdV2('silent');
    const created = await api()
      .post('/rollouts', {
        package_assignment: assignment,
        plan: { type: 'labels', selectors: [{ sim: '0' }] },
        bake_seconds: 0,
        apply_timeout_seconds: 1,
      })
      .expect(201);
    const paused = await settled(created.body.id as string, 'paused');
    expect(paused).toEqual(expect.objectContaining({ tripped_gate: 'failed', tripped_agents: [silent.id] }));
    expect(paused.stages[0]).toEqual(expect.objectContaining({ timeout: 1 }));
    expect(silent.offeredCount(V2)).toBe(1);
    expect(fleet.slice(1).map((a) => a.offers)).toEqual([[], []]);
  });

  it('cancels a running rollout whose assignment is deleted, and offers the package to nobody more', async () => {
    const fleet = await fleetOnV1('deleted', 4);
    const assignment = await holdV2('deleted');
    const created = await api()
      .post('/rollouts', {
        package_assignment: assignment,
        plan: { type: 'labels', selectors: [{ sim: '0' }] },
        bake_seconds: 60,
      })
      .expect(201);
    const id = created.body.id as string;
    await until(() => fleet[0].installed.get('otelcol') === '2.0.0');
    await request(app.url)
      .delete(`/api/v1/package-assignments/${assignment}`)
      .set('Authorization', `Bearer ${operator}`)
      .expect(204);
    const cancelled = await settled(id, 'cancelled');
    expect(cancelled.reason).toBe('package assignment deleted');
    expect(cancelled.package).toEqual(
      expect.objectContaining({ assignment_id: null, name: 'otelcol', version: '2.0.0' }),
    );
    expect(fleet.slice(1).map((a) => a.offers)).toEqual([[], [], []]);

    // A paused one is left to the operator; its rollback then says nothing is offered any more.
    const second = await holdV2('deleted');
    const next = (
      await api()
        .post('/rollouts', {
          package_assignment: second,
          plan: { type: 'labels', selectors: [{ sim: '0' }] },
          bake_seconds: 60,
        })
        .expect(201)
    ).body.id as string;
    await eventually(async () => (await detail(next)).stages[0].applied === 1);
    await api().post(`/rollouts/${next}/pause`).expect(200);
    await request(app.url)
      .delete(`/api/v1/package-assignments/${second}`)
      .set('Authorization', `Bearer ${operator}`)
      .expect(204);
    await api().post(`/rollouts/${next}/rollback`).expect(200);
    const rolledBack = await eventually(async () => {
      const d = await detail(next);
      return d.reason?.includes('deleted') && d;
    });
    expect(rolledBack.reason).toMatch(
      /^rolled back by \S+; the package assignment was deleted: 1 agent\(s\) are offered neither otelcol@2\.0\.0 nor/,
    );
  });

  it('refuses bad requests with the right status and code', async () => {
    const released = (
      await api()
        .post('/package-assignments', { package_id: v2, selector: { fleet: 'nobody' } })
        .expect(201)
    ).body as { id: number; held: boolean };
    expect(released.held).toBe(false);
    const plan = { type: 'percent', percents: [50, 100] };
    const notHeld = await api().post('/rollouts', { package_assignment: released.id, plan }).expect(409);
    expect(notHeld.body.code).toBe('RolloutAssignmentNotHeld');
    const missing = await api().post('/rollouts', { package_assignment: 999_999, plan }).expect(404);
    expect(missing.body.code).toBe('PackageAssignmentNotFound');
    const held = await holdV2('nobody');
    const both = await api().post('/rollouts', { package_assignment: held, configuration: 'x', plan }).expect(400);
    expect(both.body.code).toBe('RolloutInvalid');
    await api().post('/rollouts', { plan }).expect(400);
    const badId = await api().post('/rollouts', { package_assignment: 'four', plan }).expect(400);
    expect(badId.body.code).toBe('ValidationFailed');
    const badPlan = await api()
      .post('/rollouts', { package_assignment: held, plan: { type: 'percent', percents: [50, 20] } })
      .expect(400);
    expect(badPlan.body.code).toBe('RolloutInvalid');
    await api(viewer).post('/rollouts', { package_assignment: held, plan }).expect(403);
    // Nothing was written by the refused requests.
    const listed = await api(viewer).get(`/rollouts?package_assignment=${held}`).expect(200);
    expect(listed.body).toEqual([]);
  });
});
