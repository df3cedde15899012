import request from 'supertest';
import { RemoteConfigStatuses } from '../../src/opamp/proto/opamp.types.js';
import { eventually } from '../support/eventually.js';
import { codec, description, uidText, WsTestAgent } from '../support/opamp-agents.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('a push to agents that apply at once (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_ALLOW_ANONYMOUS: 'true' });
  });

  afterAll(async () => {
    await app.close();
  });

  it('records APPLIED from agents that answer the instant the offer arrives', async () => {
    const agents = await Promise.all(Array.from({ length: 20 }, () => WsTestAgent.connect(app.opampUrl)));
    for (const agent of agents) {
      await agent.exchange({ agent_description: description('eager', { fleet: 'eager' }) });
      // Answers any offer immediately, from the socket's own event handler.
      agent.ws.on('message', (frame: Buffer) => {
        const offer = codec.decodeServerToAgent(frame.subarray(1)).remote_config;
        if (offer) {
          for (const status of [RemoteConfigStatuses.APPLYING, RemoteConfigStatuses.APPLIED]) {
            agent.send({ remote_config_status: { last_remote_config_hash: offer.config_hash, status } });
          }
        }
      });
    }
    const admin = await app.login();
    await request(app.url)
      .post('/api/v1/configurations')
      .set('Authorization', `Bearer ${admin}`)
      .send({ name: 'eager', raw_config: 'a: 1\n', selector: { fleet: 'eager' }, auto_push: false })
      .expect(201);
    const push = await request(app.url)
      .post('/api/v1/configurations/eager/push')
      .set('Authorization', `Bearer ${admin}`)
      .expect((r) => expect([200, 201, 202]).toContain(r.status));
    expect(push.body.sent).toBe(20);
    const applied = await eventually(async () => {
      const rows = await request(app.url)
        .get('/api/v1/configurations/eager/apply-history?page_size=100')
        .set('Authorization', `Bearer ${admin}`);
      const statuses = rows.body.map((r: { status: string }) => r.status);
      return statuses.length === 20 && statuses.every((s: string) => s === 'applied') ? statuses : undefined;
    }, 10_000);
    expect(applied).toHaveLength(20);
    expect(new Set(agents.map((a) => uidText(a.uid))).size).toBe(20);

    // Pushing again skips agents already running exactly this version: an offer would go
    // unanswered and its pending row would only time out.
    const again = await request(app.url)
      .post('/api/v1/configurations/eager/push')
      .set('Authorization', `Bearer ${admin}`)
      .expect((r) => expect([200, 201, 202]).toContain(r.status));
    expect(again.body.sent).toBe(0);
    expect(again.body.skipped.map((s: { reason: string }) => s.reason)).toEqual(Array(20).fill('already_applied'));
    agents.forEach((agent) => agent.close());
  });
});
