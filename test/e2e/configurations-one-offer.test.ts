import request from 'supertest';
import { sql } from '../support/agents.js';
import { eventually } from '../support/eventually.js';
import { description, WsTestAgent } from '../support/opamp-agents.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const AGENTS = 60;

/**
 * An agent is offered a configuration version on its heartbeat and by an operator's push, in any
 * order and at the same moment: it still has exactly one open apply row for that version (the
 * push's), not one per offer.
 */
describe('one apply row per agent and version when a push races heartbeat offers (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_ALLOW_ANONYMOUS: 'true' });
  });

  afterAll(async () => {
    await app.close();
  });

  it('keeps one row per agent and version while agents heartbeat through a push, and the push owns it', async () => {
    const agents = await Promise.all(Array.from({ length: AGENTS }, () => WsTestAgent.connect(app.opampUrl)));
    // Connecting is not what this test is about: on a loaded machine a first reply may take a while.
    await Promise.all(
      agents.map((agent, i) => {
        agent.send({ agent_description: description(`race-${i}`, { fleet: 'race' }) });
        return agent.message(1, 30_000);
      }),
    );
    const operator = await app.tokenFor('operator');
    await request(app.url)
      .post('/api/v1/configurations')
      .set('Authorization', `Bearer ${operator}`)
      .send({ name: 'race', raw_config: 'a: 1\n', selector: { fleet: 'race' }, auto_push: false })
      .expect(201);
    // Half the agents are offered it on a heartbeat first (rows without a push id), and do not answer.
    await Promise.all(agents.slice(0, AGENTS / 2).map((agent) => agent.exchange()));

    // Then every agent heartbeats as fast as it can while the push goes out.
    let racing = true;
    const heartbeats = agents.map(async (agent) => {
      while (racing && agent.closeCode === undefined) {
        await agent.exchange().catch(() => undefined);
      }
    });
    const pushed = await request(app.url)
      .post('/api/v1/configurations/race/push')
      .set('Authorization', `Bearer ${operator}`)
      .expect(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    racing = false;
    await Promise.all(heartbeats);
    expect(pushed.body.sent).toBe(AGENTS);

    const rows = await eventually(async () => {
      const found = await sql<{ instance_uid: string; version: number; rows: string; pushed: string }>(
        app.databaseUrl,
        `SELECT h.instance_uid, h.version, count(*) AS rows, count(*) FILTER (WHERE h.push_id = $1) AS pushed
         FROM configuration_apply_history h JOIN configurations c ON c.id = h.configuration_id
         WHERE c.name = 'race' GROUP BY h.instance_uid, h.version`,
        [pushed.body.push_id],
      );
      return found.length === AGENTS ? found : undefined;
    });
    expect(rows.filter((row) => Number(row.rows) !== 1)).toEqual([]);
    expect(rows.filter((row) => Number(row.pushed) !== 1)).toEqual([]);
    const summary = await request(app.url)
      .get(`/api/v1/configurations/race/push/${pushed.body.push_id}`)
      .set('Authorization', `Bearer ${operator}`)
      .expect(200);
    expect(summary.body.total).toBe(AGENTS);
    agents.forEach((agent) => agent.close());
  });
});
