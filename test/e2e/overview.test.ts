import pg from 'pg';
import request from 'supertest';
import { OverviewService } from '../../src/overview/overview.service.js';
import { RemoteConfigStatuses } from '../../src/opamp/proto/opamp.types.js';
import { eventually } from '../support/eventually.js';
import { description, WsTestAgent } from '../support/opamp-agents.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Overview {
  agents: { total: number; online: number; offline: number };
  series: Array<{ at: string; online: number; offline: number }>;
  by_version: Array<{ key: string | null; count: number }>;
  by_health: Array<{ key: string | null; count: number }>;
  by_configuration: Array<{ configuration: string | null; state: string | null; count: number }>;
  drift: Array<{ key: string | null; count: number }>;
  recent_failures: Array<{ agent_id: string; configuration: string; status: string; error_message: string | null }>;
  rollouts: unknown[] | null;
}

describe('fleet overview (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_ALLOW_ANONYMOUS: 'true' });
  });

  afterAll(async () => {
    await app.close();
  });

  it('answers "is my fleet fine?": counts, a day of samples, failures, and tolerates no rollouts table', async () => {
    const viewer = await app.tokenFor('viewer');
    const operator = await app.tokenFor('operator');
    const agents = await Promise.all([1, 2, 3].map(() => WsTestAgent.connect(app.opampUrl)));
    for (const [i, agent] of agents.entries()) {
      await agent.exchange({ agent_description: description(`overview-${i}`, { env: i === 0 ? 'broken' : 'fine' }) });
    }
    const next = agents[0].received.length + 1;
    await request(app.url)
      .post('/api/v1/configurations')
      .set('Authorization', `Bearer ${operator}`)
      .send({ name: 'overview-config', raw_config: 'a: 1\n', selector: { env: 'broken' } })
      .expect(201);
    const hash = (await agents[0].message(next)).remote_config!.config_hash;
    await agents[0].exchange({
      remote_config_status: {
        last_remote_config_hash: hash,
        status: RemoteConfigStatuses.FAILED,
        error_message: 'bad exporter',
      },
    });
    agents[2].close();
    const client = new pg.Client({ connectionString: app.databaseUrl });
    await client.connect();
    try {
      // Two earlier samples, one out of the 24-hour window.
      await client.query(
        `INSERT INTO fleet_samples VALUES (now() - interval '2 hours', 5, 1), (now() - interval '30 hours', 9, 9)`,
      );
    } finally {
      await client.end();
    }
    const overview = await eventually(async () => {
      const body = (await request(app.url).get('/api/v1/overview').set('Authorization', `Bearer ${viewer}`).expect(200))
        .body as Overview;
      return body.agents.offline === 1 && body.recent_failures.length === 1 ? body : undefined;
    });
    await app.server.app.get(OverviewService).sample();
    const sampled = (
      await request(app.url).get('/api/v1/overview').set('Authorization', `Bearer ${viewer}`).expect(200)
    ).body as Overview;
    expect(overview.agents).toEqual({ total: 3, online: 2, offline: 1 });
    expect(overview.by_version).toEqual([{ key: '1.2.3', count: 3 }]);
    expect(overview.by_configuration).toEqual(
      expect.arrayContaining([{ configuration: 'overview-config', state: 'failed', count: 1 }]),
    );
    expect(overview.recent_failures[0]).toEqual(
      expect.objectContaining({ configuration: 'overview-config', status: 'failed', error_message: 'bad exporter' }),
    );
    expect(overview.rollouts === null || Array.isArray(overview.rollouts)).toBe(true);
    expect(sampled.series.length).toBeGreaterThanOrEqual(2);
    expect(sampled.series[0]).toEqual(expect.objectContaining({ online: 5, offline: 1 }));
    expect(sampled.series.every((s) => Date.parse(s.at) > Date.now() - 24 * 3600_000 - 60_000)).toBe(true);
    await request(app.url).get('/api/v1/overview').expect(401);
    agents.slice(0, 2).forEach((agent) => agent.close());
  });
});
