import crypto from 'node:crypto';
import request from 'supertest';
import { ApplyHistoryService } from '../../src/configurations/apply-history.service.js';
import { insertAgents } from '../support/agents.js';
import { eventually } from '../support/eventually.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('configurations: assigned agents and apply history (e2e)', () => {
  let app: TestApp;
  let operator: string;
  let viewer: string;
  let applies: ApplyHistoryService;

  const get = (path: string) => request(app.url).get(`/api/v1${path}`).set('Authorization', `Bearer ${viewer}`);

  beforeAll(async () => {
    app = await startTestApp({ APPLY_TIMEOUT_SECONDS: '1' });
    operator = await app.tokenFor('operator');
    viewer = await app.tokenFor('viewer');
    applies = app.server.app.get(ApplyHistoryService);
  });

  afterAll(async () => {
    await app.close();
  });

  it('lists assigned agents with their apply state, and history per configuration and per agent', async () => {
    const [a, b] = await insertAgents(app.databaseUrl, [
      { labels: { env: 'production' } },
      { identifying: { env: 'production' } },
    ]);
    await insertAgents(app.databaseUrl, [{ labels: { env: 'staging' } }]);
    const created = await request(app.url)
      .post('/api/v1/configurations')
      .set('Authorization', `Bearer ${operator}`)
      .send({
        name: 'prod-config',
        raw_config: 'exporters:\n  otlp:\n    endpoint: prod.com:4317',
        selector: { env: 'production' },
      })
      .expect(201);
    const { id, config_hash: hash } = created.body as { id: string; config_hash: string };

    const agents = await get('/configurations/prod-config/agents').expect(200);
    expect(agents.headers['x-total-count']).toBe('2');
    expect(agents.body.map((x: { agent_id: string }) => x.agent_id).sort()).toEqual([a, b].sort());
    expect(agents.body[0]).toEqual(
      expect.objectContaining({
        configuration_name: 'prod-config',
        assigned_version: 1,
        desired_config_hash: hash,
        apply_status: null,
        in_sync: false,
      }),
    );

    const pushId = crypto.randomUUID();
    await applies.recordOffers(
      [a, b].map((instanceUid) => ({ configurationId: id, version: 1, configHash: hash, instanceUid, pushId })),
    );
    await applies.recordStatus(a, hash, 'APPLIED', null);
    await applies.recordStatus(b, hash, 'FAILED', 'exporter "otlp": endpoint unreachable');

    const history = await get('/configurations/prod-config/apply-history').expect(200);
    expect(history.headers['x-total-count']).toBe('2');
    const failed = await get('/configurations/prod-config/apply-history?status=failed').expect(200);
    expect(failed.body).toEqual([
      expect.objectContaining({
        agent_id: b,
        configuration_name: 'prod-config',
        version: 1,
        config_hash: hash,
        push_id: pushId,
        status: 'failed',
        error_message: 'exporter "otlp": endpoint unreachable',
      }),
    ]);
    const forAgent = await get(`/configurations/prod-config/apply-history?agent_id=${a}&version=1`).expect(200);
    expect(forAgent.body.map((r: { status: string }) => r.status)).toEqual(['applied']);
    await get('/configurations/prod-config/apply-history?status=done').expect(400);
    await get('/configurations/nope/apply-history').expect(404);

    const agentHistory = await get(`/agents/${a}/apply-history`).expect(200);
    expect(agentHistory.body).toEqual([
      expect.objectContaining({ configuration_name: 'prod-config', status: 'applied' }),
    ]);
    await get(`/agents/${a}/apply-history?status=failed`).expect(200, []);
    await get(`/agents/${crypto.randomUUID()}/apply-history`).expect(404);
    const badUid = await get('/agents/not-a-uuid/apply-history').expect(400);
    expect(badUid.body.code).toBe('InvalidInstanceUid');

    const push = await get(`/configurations/prod-config/push/${pushId}`).expect(200);
    // Offers made without a push request (as automatic pushes are) are known by their rows only.
    expect(push.body).toEqual({
      push_id: pushId,
      version: null,
      targeted: null,
      sent: null,
      forwarded: null,
      skipped: null,
      error: null,
      created_at: null,
      total: 2,
      counts: { pending: 0, applying: 0, applied: 1, failed: 1, timeout: 0, rolled_back: 0 },
    });
    await get(`/configurations/prod-config/push/${crypto.randomUUID()}`).expect(404);
    const summary = await get('/configurations/prod-config/apply-summary').expect(200);
    expect(summary.body).toEqual(expect.objectContaining({ version: 1, total: 2 }));
    expect(summary.body.counts.applied).toBe(1);

    const after = await get('/configurations/prod-config/agents').expect(200);
    const rowB = after.body.find((x: { agent_id: string }) => x.agent_id === b);
    expect(rowB.apply_status).toBe('failed');
  });

  it('marks an offer nobody answers as timeout after APPLY_TIMEOUT_SECONDS, by the periodic sweep', async () => {
    const [silent] = await insertAgents(app.databaseUrl, [{ labels: { env: 'silent' } }]);
    const created = await request(app.url)
      .post('/api/v1/configurations')
      .set('Authorization', `Bearer ${operator}`)
      .send({ name: 'unanswered', raw_config: 'a: 1', selector: { env: 'silent' } })
      .expect(201);
    await applies.recordOffers([
      {
        configurationId: created.body.id,
        version: 1,
        configHash: created.body.config_hash,
        instanceUid: silent,
        pushId: null,
      },
    ]);
    const started = Date.now();
    const row = await eventually(async () => {
      const rows = (await get(`/agents/${silent}/apply-history`).expect(200)).body;
      return rows[0]?.status === 'timeout' ? rows[0] : undefined;
    }, 6000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(row.finished_at).toEqual(expect.any(String));
  });

  it('accepts any canonical instance uid, not only RFC versions, as agents choose their own', async () => {
    const odd = 'ffffffff-ffff-ffff-ffff-ffffffffffff';
    await get(`/agents/${odd}/apply-history`).expect(404);
    await insertAgents(app.databaseUrl, [{ instanceUid: odd }]);
    await get(`/agents/${odd.toUpperCase()}/apply-history`).expect(200, []);
    await get(`/configurations/prod-config/apply-history?agent_id=${odd}`).expect(200, []);
    const pushed = await request(app.url)
      .post('/api/v1/configurations/prod-config/push')
      .set('Authorization', `Bearer ${operator}`)
      .send({ agent_ids: [odd] })
      .expect(200);
    expect(pushed.body.skipped).toEqual([{ agent_id: odd, reason: 'not_assigned' }]);
  });
});
