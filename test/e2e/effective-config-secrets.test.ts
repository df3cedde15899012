import http from 'node:http';
import request from 'supertest';
import { CORPUS, PLANTED_SECRETS } from '../fixtures/secret-corpus.js';
import { sql } from '../support/agents.js';
import { createTestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { description, httpPoll, newUid, uidText, WsTestAgent } from '../support/opamp-agents.js';
import { spawnInstance, type SpawnedInstance } from '../support/spawned-instance.js';
import { ADMIN_PASSWORD } from '../support/test-app.js';

const effective = (body: string, contentType: string) => ({
  config_map: { config_map: { 'collector.yaml': { body: Buffer.from(body), content_type: contentType } } },
});

/** Every planted secret found in `text`. */
const leaks = (text: string): string[] => PLANTED_SECRETS.filter((secret) => text.includes(secret));

/**
 * Real agents report the corpus of Collector configs (credentials planted) to a real server
 * process with trace logging; then the database (every table, as text), the API, the live event
 * stream and the process's logs are searched for the planted secrets.
 */
describe('no reported secret reaches the database, the API, the event stream or the logs (e2e)', () => {
  let databaseUrl: string;
  let server: SpawnedInstance;
  let token: string;
  let sse = '';
  let sseRequest: http.ClientRequest;
  const agents: WsTestAgent[] = [];

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    server = await spawnInstance({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'trace', OPAMP_ALLOW_ANONYMOUS: 'true' });
    token = (await request(server.url).post('/api/v1/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD }))
      .body.token as string;
    sseRequest = http.get(`${server.url}/api/v1/events`, { headers: { Authorization: `Bearer ${token}` } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (sse += chunk));
    });
  }, 90_000);

  afterAll(async () => {
    agents.forEach((agent) => agent.close());
    sseRequest?.destroy();
    await server?.kill();
  });

  it('reported over WebSocket and HTTP, first and later messages: every output is clean', async () => {
    const ids: string[] = [];
    for (const [i, c] of CORPUS.entries()) {
      const agent = await WsTestAgent.connect(server.opampUrl);
      agents.push(agent);
      // Half report with the first message, half in a later one (the other write path).
      const first = i % 2 === 0 ? { effective_config: effective(c.body, c.contentType) } : {};
      await agent.exchange({ agent_description: description(`corpus-${i}`), ...first });
      if (i % 2 === 1) {
        await agent.exchange({ effective_config: effective(c.body, c.contentType) });
      }
      ids.push(uidText(agent.uid));
    }
    const httpUid = newUid();
    const poll = await httpPoll(server.opampUrl, {
      instance_uid: httpUid,
      sequence_num: 1,
      capabilities: 0x7,
      agent_description: description('corpus-http'),
      effective_config: effective(CORPUS[0].body, CORPUS[0].contentType),
    });
    expect(poll.status).toBe(200);
    ids.push(uidText(httpUid));

    const api = (path: string) => request(server.url).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
    // Wait until every agent's effective config is stored, so the outputs below are complete.
    const details = await eventually(async () => {
      const bodies = await Promise.all(ids.map(async (id) => (await api(`/agents/${id}`).expect(200)).text));
      return bodies.every((body) => body.includes('"effective_config":{')) && bodies;
    }, 15_000);
    const apiText = [
      ...details,
      (await api('/agents?page_size=100').expect(200)).text,
      (await api('/agents/stats').expect(200)).text,
      ...(await Promise.all(ids.map(async (id) => (await api(`/agents/${id}/drift`).expect(200)).text))),
      (await request(server.url).get('/metrics').expect(200)).text,
    ].join('\n');
    // The configs are there, redacted: a test that found nothing because nothing was stored would pass falsely.
    expect(apiText).toContain('<redacted:sha256:');
    expect(apiText).toContain('otlphttp/honeycomb');

    const tables = await sql<{ table_name: string }>(
      databaseUrl,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    const dump: string[] = [];
    for (const { table_name } of tables) {
      const rows = await sql<{ row: string }>(databaseUrl, `SELECT t::text AS row FROM "${table_name}" t`);
      dump.push(...rows.map((r) => r.row));
    }
    const database = dump.join('\n');
    expect(database).toContain('<redacted:sha256:');

    await eventually(() => Promise.resolve(sse.includes('"agent_id"')));
    expect({ database: leaks(database), api: leaks(apiText), sse: leaks(sse), logs: leaks(server.output()) }).toEqual({
      database: [],
      api: [],
      sse: [],
      logs: [],
    });
    // The logs are real trace logs (of requests and agents), not an empty capture.
    expect(server.output()).toMatch(/"level":10|"level":20|"level":30/);
  }, 90_000);
});
