import http from 'node:http';
import request from 'supertest';
import { SseParser } from '../../src/common/sse-parser.js';
import { RemoteConfigStatuses } from '../../src/opamp/proto/opamp.types.js';
import { description, uidText, WsTestAgent } from '../support/opamp-agents.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** An open SSE connection that collects parsed `data:` payloads. */
interface EventStream {
  status: number;
  events: Array<Record<string, unknown>>;
  waitFor(match: (event: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): void;
}

function openStream(url: string, token?: string): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      `${url}/api/v1/events`,
      { headers: token ? { Authorization: `Bearer ${token}` } : {} },
      (res) => {
        const events: Array<Record<string, unknown>> = [];
        const parser = new SseParser();
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          for (const { data } of parser.push(chunk)) {
            events.push(JSON.parse(data) as Record<string, unknown>);
          }
        });
        resolve({
          status: res.statusCode ?? 0,
          events,
          async waitFor(match, timeoutMs = 5000) {
            const deadline = Date.now() + timeoutMs;
            while (Date.now() < deadline) {
              const found = events.find(match);
              if (found) {
                return found;
              }
              await new Promise((wake) => setTimeout(wake, 25));
            }
            throw new Error(`no matching event; got ${JSON.stringify(events)}`);
          },
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
  });
}

describe('live events (e2e)', () => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp();
    const admin = await app.login();
    key = (
      await request(app.url).post('/api/v1/agent-keys').set('Authorization', `Bearer ${admin}`).send({ name: 'events' })
    ).body.key;
  });

  afterAll(async () => {
    await app.close();
  });

  it('refuses a stream without a valid token', async () => {
    await request(app.url).get('/api/v1/events').expect(401);
    const response = await request(app.url).get('/api/v1/events').set('Authorization', 'Bearer not-a-jwt').expect(401);
    expect(response.body).toEqual(expect.objectContaining({ statusCode: 401, requestId: expect.any(String) }));
  });

  it('streams an agent connecting and disconnecting to a viewer', async () => {
    const stream = await openStream(app.url, await app.tokenFor('viewer'));
    try {
      expect(stream.status).toBe(200);
      const agent = await WsTestAgent.connect(app.opampUrl, key);
      await agent.exchange({ agent_description: description('live-agent') });
      const id = uidText(agent.uid);
      await expect(stream.waitFor((e) => e.agent_id === id && e.change === 'connected')).resolves.toEqual({
        type: 'agent',
        change: 'connected',
        agent_id: id,
      });
      agent.ws.close();
      await expect(stream.waitFor((e) => e.agent_id === id && e.change === 'disconnected')).resolves.toEqual(
        expect.objectContaining({ type: 'agent' }),
      );
    } finally {
      stream.close();
    }
  });

  it('streams apply states as an agent applies a pushed configuration', async () => {
    const stream = await openStream(app.url, await app.tokenFor('viewer'));
    const agent = await WsTestAgent.connect(app.opampUrl, key);
    try {
      await agent.exchange({ agent_description: description('applier', { env: 'events' }) });
      const id = uidText(agent.uid);
      const next = agent.received.length + 1;
      await request(app.url)
        .post('/api/v1/configurations')
        .set('Authorization', `Bearer ${await app.tokenFor('operator')}`)
        .send({ name: 'events-config', raw_config: 'a: 1\n', selector: { env: 'events' } })
        .expect(201);
      const hash = (await agent.message(next)).remote_config!.config_hash;
      await stream.waitFor((e) => e.type === 'apply' && e.status === 'pending');
      await agent.exchange({
        remote_config_status: { last_remote_config_hash: hash, status: RemoteConfigStatuses.APPLIED },
      });
      await expect(stream.waitFor((e) => e.type === 'apply' && e.status === 'applied')).resolves.toEqual({
        type: 'apply',
        status: 'applied',
        agent_id: id,
      });
    } finally {
      agent.ws.close();
      stream.close();
    }
  });
});
