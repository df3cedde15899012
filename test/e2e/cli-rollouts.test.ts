import request from 'supertest';
import { CLI_TIMEOUT, cliUser, type CliUser } from '../support/cli.js';
import { connectFleet, type SimAgent, until } from '../support/sim-fleet.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** opampctl rollouts: the built CLI following real rollouts over simulated agents. */
describe('opampctl rollouts (e2e)', () => {
  let app: TestApp;
  let cli: CliUser;
  let admin: string;
  let key: string;
  let env: Record<string, string>;
  const fleets: SimAgent[][] = [];

  const post = (path: string, body: object) =>
    request(app.url).post(`/api/v1${path}`).set('Authorization', `Bearer ${admin}`).send(body);
  const put = (path: string, body: object) =>
    request(app.url).put(`/api/v1${path}`).set('Authorization', `Bearer ${admin}`).send(body);

  /** `count` agents applying v1 of `name`, and v2 saved but held back. */
  async function heldBack(name: string, count: number): Promise<SimAgent[]> {
    const v1 = (
      await post('/configurations', {
        name,
        raw_config: `${name}: 1\n`,
        selector: { fleet: name },
        auto_push: false,
      }).expect(201)
    ).body.config_hash as string;
    const fleet = await connectFleet(app.opampUrl, key, count, { fleet: name }, 300);
    fleets.push(fleet);
    await until(() => fleet.every((a) => a.running === v1), 15_000);
    await put(`/configurations/${name}`, { raw_config: `${name}: 2\n` }).expect(200);
    return fleet;
  }

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_HEARTBEAT_SECONDS: '1', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' });
    admin = await app.login();
    key = (await post('/agent-keys', { name: 'cli-rollouts' }).expect(201)).body.key;
    env = { OPAMP_SERVER: app.url, OPAMP_TOKEN: admin };
    cli = cliUser();
  });

  afterAll(async () => {
    fleets.flat().forEach((agent) => agent.close());
    cli.cleanup();
    await app.close();
  });

  it(
    'status --watch follows a rollout to the end and exits 0; list shows it; pause of a finished one is refused',
    async () => {
      await heldBack('cli-staged', 4);
      const id = (
        await post('/rollouts', {
          configuration: 'cli-staged',
          plan: { type: 'percent', percents: [50, 100] },
          bake_seconds: 1,
        }).expect(201)
      ).body.id as string;

      const watched = await cli.run(['rollouts', 'status', id, '--watch', '-o', 'json'], { env });
      expect(watched.stderr).toBe('');
      expect(watched.code).toBe(0);
      const documents = watched.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { status: string; stages: Array<{ applied: number; targeted: number }> });
      const final = documents[documents.length - 1];
      expect(final.status).toBe('completed');
      expect(final.stages.map((s) => [s.targeted, s.applied])).toEqual([
        [2, 2],
        [2, 2],
      ]);

      const table = await cli.run(['rollouts', 'status', id], { env });
      expect(table.code).toBe(0);
      expect(table.stdout).toContain(`rollout ${id}: cli-staged version 1 -> 2`);
      expect(table.stdout).toContain('status completed, stage 2/2');

      const list = await cli.run(['rollouts', 'list', '-c', 'cli-staged', '-o', 'json'], { env });
      expect(list.code).toBe(0);
      expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id, status: 'completed' })]);

      const pause = await cli.run(['rollouts', 'pause', id], { env });
      expect(pause.code).toBe(1);
      expect(pause.stderr).toMatch(/completed/);
    },
    CLI_TIMEOUT,
  );

  it(
    'status --watch exits 3 when a gate trips and says why; resume from the CLI completes it',
    async () => {
      const fleet = await heldBack('cli-gated', 4);
      fleet.forEach((agent) => (agent.answer = 'fail'));
      const id = (
        await post('/rollouts', {
          configuration: 'cli-gated',
          plan: { type: 'percent', percents: [50, 100] },
          gates: { max_failed: 0 },
          bake_seconds: 1,
        }).expect(201)
      ).body.id as string;

      const watched = await cli.run(['rollouts', 'status', id, '--watch'], { env });
      expect(watched.code).toBe(3);
      expect(watched.stderr).toMatch(/^rollout paused/m);
      expect(watched.stdout).toContain('gate tripped: failed');

      fleet.forEach((agent) => (agent.answer = 'apply'));
      const resumed = await cli.run(['rollouts', 'resume', id, '-o', 'json'], { env });
      expect(resumed.stderr).toBe('');
      expect(resumed.code).toBe(0);
      expect(JSON.parse(resumed.stdout)).toEqual(expect.objectContaining({ id }));
    },
    CLI_TIMEOUT,
  );

  it(
    'refuses an unknown rollout, a bad status filter and a missing token',
    async () => {
      const unknown = await cli.run(['rollouts', 'status', '00000000-0000-4000-8000-000000000000'], { env });
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/not found/i);

      const badStatus = await cli.run(['rollouts', 'list', '--status', 'sideways'], { env });
      expect(badStatus.code).toBe(1);
      expect(badStatus.stderr).toContain('--status must be one of running, paused, completed, cancelled, rolled_back');

      const noToken = await cli.run(['rollouts', 'list'], { env: { OPAMP_SERVER: app.url, OPAMP_TOKEN: 'nope' } });
      expect(noToken.code).toBe(1);
      expect(noToken.stderr).toMatch(/not authenticated/);
    },
    CLI_TIMEOUT,
  );
});
