import pg from 'pg';
import request from 'supertest';
import { createTestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { description, uidText, WsTestAgent } from '../support/opamp-agents.js';
import { startTestApp } from '../support/test-app.js';

describe('an instance restart (e2e)', () => {
  it('marks offline at start the agents it held, and they come back online when they reconnect', async () => {
    const databaseUrl = await createTestDatabase();
    const env = { DATABASE_URL: databaseUrl, INSTANCE_ID: 'instance-under-test', OPAMP_ALLOW_ANONYMOUS: 'true' };
    const first = await startTestApp(env);
    const agent = await WsTestAgent.connect(first.opampUrl);
    await agent.exchange({ agent_description: description('survivor') });
    await first.close();
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    // A clean stop marks its agents offline before the database connection closes...
    const stopped = await db.query<{ status: string }>('SELECT status FROM agents WHERE instance_uid = $1', [
      uidText(agent.uid),
    ]);
    expect(stopped.rows[0].status).toBe('offline');
    // ...a crash leaves them online: simulate that.
    await db.query(`UPDATE agents SET status = 'online' WHERE instance_uid = $1`, [uidText(agent.uid)]);

    const second = await startTestApp(env);
    const admin = await second.login();
    const row = await db.query<{ status: string }>('SELECT status FROM agents WHERE instance_uid = $1', [
      uidText(agent.uid),
    ]);
    expect(row.rows[0].status).toBe('offline');
    await db.end();

    const back = await WsTestAgent.connect(second.opampUrl, undefined, agent.uid);
    const reply = await back.exchange({}); // compressed: no description
    expect(reply.flags).toBe(1); // ReportFullState: this instance has not seen it before
    const detail = await eventually(async () => {
      const response = await request(second.url)
        .get(`/api/v1/agents/${uidText(agent.uid)}`)
        .set('Authorization', `Bearer ${admin}`);
      return response.body.status === 'online' ? response.body : undefined;
    });
    // The stored description was kept, attributes included (selectors match on them).
    expect(detail.name).toBe('survivor');
    expect(detail.non_identifying_attributes).toEqual(expect.objectContaining({ 'host.name': 'survivor-host' }));
    back.close();
    await second.close();
  });
});
