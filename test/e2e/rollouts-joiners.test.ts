import crypto from 'node:crypto';
import request from 'supertest';
import { eventually } from '../support/eventually.js';
import { newUid, uidText } from '../support/opamp-agents.js';
import { connectFleet, SimAgent, until } from '../support/sim-fleet.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Stage {
  stage: number;
  targeted: number;
  waiting: number;
  offered: number;
  applied: number;
}
interface Detail {
  id: string;
  status: string;
  current_stage: number;
  phase: string;
  reason: string | null;
  pinned_agents: number;
  stages: Stage[];
}
interface RolloutAgent {
  agent_id: string;
  stage: number;
  state: string;
  offers: number;
}

const keyOf = (rolloutId: string, uid: string) =>
  crypto.createHash('sha256').update(`${rolloutId}:${uid}`).digest('hex');

/** Agents that join a configuration while its rollout runs, and what cancelling leaves behind. */
describe('rollouts: joiners and cancel (e2e)', () => {
  let app: TestApp;
  let operator: string;
  let viewer: string;
  let key: string;
  const agents: SimAgent[] = [];

  const api = (token = operator) => ({
    post: (path: string, body: object = {}) =>
      request(app.url).post(`/api/v1${path}`).set('Authorization', `Bearer ${token}`).send(body),
    put: (path: string, body: object) =>
      request(app.url).put(`/api/v1${path}`).set('Authorization', `Bearer ${token}`).send(body),
    get: (path: string) => request(app.url).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`),
  });
  const detail = async (id: string): Promise<Detail> => (await api(viewer).get(`/rollouts/${id}`).expect(200)).body;
  const rolloutAgents = async (id: string): Promise<RolloutAgent[]> =>
    (await api(viewer).get(`/rollouts/${id}/agents`).expect(200)).body;
  const assignedVersions = async (name: string): Promise<Map<string, number>> =>
    new Map(
      (await api(viewer).get(`/configurations/${name}/agents`).expect(200)).body.map(
        (a: { agent_id: string; assigned_version: number }) => [a.agent_id, a.assigned_version],
      ),
    );

  /** A configuration at v1 applied by `count` agents, then v2 saved and held back. */
  async function onV2Held(name: string, count: number): Promise<{ fleet: SimAgent[]; v1: string; v2: string }> {
    const v1 = (
      await api()
        .post('/configurations', { name, raw_config: `${name}: 1\n`, selector: { fleet: name }, auto_push: false })
        .expect(201)
    ).body.config_hash as string;
    const fleet = await connectFleet(app.opampUrl, key, count, { fleet: name }, 300);
    agents.push(...fleet);
    await until(() => fleet.every((a) => a.running === v1), 10_000);
    const v2 = (
      await api()
        .put(`/configurations/${name}`, { raw_config: `${name}: 2\n` })
        .expect(200)
    ).body.config_hash as string;
    return { fleet, v1, v2 };
  }

  /** A new agent uid whose rollout key falls inside (lowKey, highKey]. */
  function uidBetween(rolloutId: string, lowKey: string, highKey: string): Uint8Array {
    for (;;) {
      const uid = newUid();
      const k = keyOf(rolloutId, uidText(uid));
      if (k > lowKey && k <= highKey) {
        return uid;
      }
    }
  }

  async function join(name: string, labels: Record<string, string>, uid = newUid()): Promise<SimAgent> {
    const agent = (await SimAgent.connect(app.opampUrl, key, name, labels, uid)).heartbeat(300);
    agents.push(agent);
    return agent;
  }

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_HEARTBEAT_SECONDS: '1', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const admin = await app.login();
    operator = await app.tokenFor('operator');
    viewer = await app.tokenFor('viewer');
    key = (
      await request(app.url).post('/api/v1/agent-keys').set('Authorization', `Bearer ${admin}`).send({ name: 'j' })
    ).body.key;
  });

  afterAll(async () => {
    agents.forEach((agent) => agent.close());
    await app.close();
  });

  it('gives a joiner the version of its stage, and the new one with the counts when its stage comes', async () => {
    const name = 'joined';
    const { fleet, v1, v2 } = await onV2Held(name, 8);
    // An agent of another fleet: it joins by a label change.
    const relabelled = await join('relabelled', { fleet: 'elsewhere' });
    const created = await api()
      .post('/rollouts', { configuration: name, plan: { type: 'percent', percents: [50, 75, 100] }, bake_seconds: 4 })
      .expect(201);
    const id = created.body.id as string;
    const original = await rolloutAgents(id);
    const lastKey = (stage: number) =>
      original
        .filter((a) => a.stage === stage)
        .map((a) => keyOf(id, a.agent_id))
        .sort()
        .at(-1)!;
    const firstStage = fleet.filter((a) => original.some((o) => o.agent_id === a.id && o.stage === 1));
    await until(() => firstStage.every((a) => a.running === v2), 10_000);
    // Held in stage 1 while agents join (its 4 s bake leaves the time to pause before stage 2).
    await api().post(`/rollouts/${id}/pause`).expect(200);
    expect((await detail(id)).current_stage).toBe(1);

    const early = await join('early', { fleet: name }, uidBetween(id, '', lastKey(1)));
    const late = await join('late', { fleet: name }, uidBetween(id, lastKey(1), lastKey(2)));
    // Its stage was offered: its very first offer is the new version.
    await until(() => early.running === v2, 10_000);
    expect(early.offers[0]).toBe(v2);
    expect(early.offeredCount(v1)).toBe(0);
    // Its stage was not: the released version, and nothing more while the rollout waits.
    await until(() => late.running === v1, 10_000);
    await api()
      .put(`/agents/${relabelled.id}/labels`, { labels: { fleet: name } })
      .expect(200);
    const placed = await eventually(async () => {
      const all = await rolloutAgents(id);
      return all.length === 11 && all;
    });
    const stageOf = (agent: SimAgent) => placed.find((a) => a.agent_id === agent.id)!;
    expect(stageOf(early)).toEqual(expect.objectContaining({ stage: 1, offers: 1 }));
    expect(stageOf(late)).toEqual(expect.objectContaining({ stage: 2, state: 'waiting', offers: 0 }));
    const relabelledStage = stageOf(relabelled).stage;
    await until(() => relabelled.running === (relabelledStage === 1 ? v2 : v1), 10_000);
    expect(late.offeredCount(v2)).toBe(0);
    await eventually(async () => (await detail(id)).stages[0].targeted === 5 + (relabelledStage === 1 ? 1 : 0));

    await api().post(`/rollouts/${id}/resume`).expect(200);
    // Three 4 s bakes; each stage waits for the engine's next pass (1 s apart) to see it applied
    // and to end its bake: ~16 s on a quiet machine; the wait leaves room for a loaded one.
    const done = await eventually(async () => {
      const d = await detail(id);
      return d.status === 'completed' && d;
    }, 45_000);
    expect(done.stages.reduce((sum, s) => sum + s.targeted, 0)).toBe(11);
    expect(done.stages.map((s) => s.applied)).toEqual(done.stages.map((s) => s.targeted));
    expect(done.stages[1].targeted).toBe(2 + 1 + (relabelledStage === 2 ? 1 : 0));
    await until(() => [...fleet, early, late, relabelled].every((a) => a.running === v2), 10_000);
    expect(late.offeredCount(v2)).toBe(1);
    expect(early.offeredCount(v2)).toBe(1);
  }, 90_000);

  it('places a joiner of a label plan by its ring', async () => {
    const name = 'ringed';
    const v1 = (
      await api()
        .post('/configurations', { name, raw_config: 'r: 1\n', selector: { fleet: name }, auto_push: false })
        .expect(201)
    ).body.config_hash as string;
    const canary = await join('canary-0', { fleet: name, ring: 'canary' });
    const others = await connectFleet(app.opampUrl, key, 3, { fleet: name }, 300);
    agents.push(...others);
    await until(() => [canary, ...others].every((a) => a.running === v1), 10_000);
    const v2 = (await api().put(`/configurations/${name}`, { raw_config: 'r: 2\n' }).expect(200)).body
      .config_hash as string;
    const created = await api()
      .post('/rollouts', {
        configuration: name,
        plan: { type: 'labels', selectors: [{ ring: 'canary' }] },
        bake_seconds: 600,
      })
      .expect(201);
    const id = created.body.id as string;
    await until(() => canary.running === v2, 10_000);
    const ringJoiner = await join('canary-1', { fleet: name, ring: 'canary' });
    const restJoiner = await join('rest-1', { fleet: name });
    await until(() => ringJoiner.running === v2 && restJoiner.running === v1, 10_000);
    expect(ringJoiner.offers[0]).toBe(v2);
    const placed = await rolloutAgents(id);
    expect(placed.find((a) => a.agent_id === ringJoiner.id)).toEqual(expect.objectContaining({ stage: 1, offers: 1 }));
    expect(placed.find((a) => a.agent_id === restJoiner.id)).toEqual(
      expect.objectContaining({ stage: 2, state: 'waiting' }),
    );
    await api().post(`/rollouts/${id}/cancel`).expect(200);
  });

  it('on cancel leaves offered agents pinned to the new version and the rest on the released one; a push replaces the pins', async () => {
    const name = 'stopped';
    const { fleet, v1, v2 } = await onV2Held(name, 6);
    const created = await api()
      .post('/rollouts', { configuration: name, plan: { type: 'percent', percents: [50, 100] }, bake_seconds: 600 })
      .expect(201);
    const id = created.body.id as string;
    const first = (await rolloutAgents(id)).filter((a) => a.stage === 1).map((a) => a.agent_id);
    expect(first).toHaveLength(3);
    const updated = fleet.filter((a) => first.includes(a.id));
    const rest = fleet.filter((a) => !first.includes(a.id));
    await until(() => updated.every((a) => a.running === v2), 10_000);
    await api(viewer).post(`/rollouts/${id}/cancel`).expect(403);

    const cancelled = await api().post(`/rollouts/${id}/cancel`).expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.reason).toMatch(
      /3 agent\(s\) offered the new version keep it.*3 not offered keep the released one/,
    );
    expect((await detail(id)).pinned_agents).toBe(3);
    await api().post(`/rollouts/${id}/cancel`).expect(409);
    // What the server will offer each agent, at every heartbeat and reconnect.
    const versions = await assignedVersions(name);
    expect(updated.map((a) => versions.get(a.id))).toEqual([2, 2, 2]);
    expect(rest.map((a) => versions.get(a.id))).toEqual([1, 1, 1]);
    expect((await api(viewer).get(`/configurations/${name}`).expect(200)).body.released_version).toBe(1);
    // An agent joining after the cancel gets the released version: the rollout is over.
    const after = await join('after', { fleet: name });
    await until(() => after.running === v1, 10_000);
    expect(rest.every((a) => a.offeredCount(v2) === 0 && a.running === v1)).toBe(true);
    // Offered v1 once when they connected, never again after the cancel.
    expect(updated.every((a) => a.offeredCount(v1) === 1 && a.running === v2)).toBe(true);

    await api().post(`/configurations/${name}/push`, {}).expect(200);
    await until(() => [...fleet, after].every((a) => a.running === v2), 10_000);
    expect((await detail(id)).pinned_agents).toBe(0);
    expect((await api(viewer).get(`/configurations/${name}`).expect(200)).body.released_version).toBe(2);
  });
});
