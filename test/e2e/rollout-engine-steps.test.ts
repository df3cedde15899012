import { RolloutEngine } from '../../src/rollouts/rollout-engine.js';
import { eventually } from '../support/eventually.js';
import { connectFleet, type SimAgent, until } from '../support/sim-fleet.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The engine's passes driven by hand (its timer stopped): one pass takes a rollout through every
 * phase that is ready, not one phase per pass.
 */
describe('rollout engine: phases per pass (e2e)', () => {
  let app: TestApp;
  let engine: RolloutEngine;
  let operator: string;
  let key: string;
  let fleet: SimAgent[] = [];

  const api = () => app.api(operator);

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_HEARTBEAT_SECONDS: '1', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' });
    engine = app.server.app.get(RolloutEngine);
    // No passes but the test's own (and the one a new rollout kicks off).
    clearInterval(engine['timer']);
    operator = await app.tokenFor('operator');
    key = await app.agentKey('steps');
  });

  afterAll(async () => {
    fleet.forEach((agent) => agent.close());
    await app.close();
  });

  it('offers the next stage in the pass that saw the stage applied and its bake over', async () => {
    const v1 = (
      await api()
        .post('/configurations', {
          name: 'steps',
          raw_config: 'steps: 1\n',
          selector: { fleet: 'steps' },
          auto_push: false,
        })
        .expect(201)
    ).body.config_hash as string;
    fleet = await connectFleet(app.opampUrl, key, 4, { fleet: 'steps' }, 300);
    await until(() => fleet.every((a) => a.running === v1), 10_000);
    // They hold their answers until told: the pass the new rollout kicks off only offers stage 1.
    fleet.forEach((a) => (a.answer = 'ignore'));
    const v2 = (await api().put('/configurations/steps', { raw_config: 'steps: 2\n' }).expect(200)).body
      .config_hash as string;
    const created = await api()
      .post('/rollouts', { configuration: 'steps', plan: { type: 'percent', percents: [50, 100] }, bake_seconds: 0 })
      .expect(201);
    const id = created.body.id as string;
    await engine['running'];
    const stageOf = async (stage: number): Promise<SimAgent[]> =>
      (await api().get(`/rollouts/${id}/agents?stage=${stage}`).expect(200)).body.map((a: { agent_id: string }) =>
        fleet.find((agent) => agent.id === a.agent_id)!,
      );
    const [first, second] = [await stageOf(1), await stageOf(2)];
    expect([first.length, second.length]).toEqual([2, 2]);
    const rollout = async () => (await api().get(`/rollouts/${id}`).expect(200)).body;
    expect(await rollout()).toEqual(expect.objectContaining({ status: 'running', current_stage: 1 }));
    /** Lets the agents answer their offer, and waits until their rows say APPLIED (what a pass reads). */
    const apply = async (agents: SimAgent[]): Promise<void> => {
      await until(() => agents.every((a) => a.offeredCount(v2) === 1), 10_000);
      agents.forEach((a) => {
        a.answer = 'apply';
        a.answerLast();
      });
      for (const agent of agents) {
        await eventually(
          async () => {
            const { body } = await api().get(`/agents/${agent.id}`).expect(200);
            return body.remote_config_status.status === 'APPLIED' && body.remote_config_status.hash === v2;
          },
          { what: `${agent.id} stored as APPLIED` },
        );
      }
    };
    await apply(first);
    expect(second.every((a) => a.offeredCount(v2) === 0)).toBe(true);

    // One pass: stage 1 settles, bakes (0 s), passes its gates, and stage 2 is offered.
    await engine.tick();
    expect(await rollout()).toEqual(expect.objectContaining({ status: 'running', current_stage: 2 }));
    await apply(second);

    // One more pass: stage 2 settles and bakes, and the rollout completes, releasing the version.
    await engine.tick();
    expect(await rollout()).toEqual(expect.objectContaining({ status: 'completed' }));
    expect((await api().get('/configurations/steps').expect(200)).body.released_version).toBe(2);
    expect(fleet.every((a) => a.running === v2 && a.offeredCount(v2) === 1)).toBe(true);
  });
});
