import request from 'supertest';
import { insertAgents, sql } from '../support/agents.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const V1 = 'exporters:\n  otlp:\n    endpoint: prod.com:4317';
const V2 = 'exporters:\n  otlp:\n    endpoint: prod.com:4318';

describe('configurations: CRUD, versions, rollback, diff (e2e)', () => {
  let app: TestApp;
  let operator: string;
  let admin: string;
  let viewer: string;

  const api = (token: string) => ({
    get: (path: string) => request(app.url).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`),
    post: (path: string, body?: object) =>
      request(app.url)
        .post(`/api/v1${path}`)
        .set('Authorization', `Bearer ${token}`)
        .send(body ?? {}),
    put: (path: string, body: object) =>
      request(app.url).put(`/api/v1${path}`).set('Authorization', `Bearer ${token}`).send(body),
    delete: (path: string) => request(app.url).delete(`/api/v1${path}`).set('Authorization', `Bearer ${token}`),
  });

  beforeAll(async () => {
    app = await startTestApp({ CONFIG_MAX_BYTES: '4096' });
    admin = await app.login();
    operator = await app.tokenFor('operator');
    viewer = await app.tokenFor('viewer');
  });

  afterAll(async () => {
    await app.close();
  });

  it("runs the seed's flow: create, update makes v2, rollback/1 makes v3 with v1's content, history lists 3", async () => {
    const created = await api(operator)
      .post('/configurations', { name: 'prod-config', raw_config: V1, selector: { env: 'production' } })
      .expect(201);
    expect(created.body).toEqual(
      expect.objectContaining({
        name: 'prod-config',
        raw_config: V1,
        selector: { env: 'production' },
        content_type: 'text/yaml',
        file_name: '',
        priority: 0,
        auto_push: true,
        version: 1,
        config_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        created_by: expect.stringMatching(/^operator-/),
      }),
    );
    const updated = await api(operator)
      .put('/configurations/prod-config', { name: 'prod-config', raw_config: V2, selector: { env: 'production' } })
      .expect(200);
    expect(updated.body.version).toBe(2);
    expect(updated.body.config_hash).not.toBe(created.body.config_hash);

    const rolledBack = await api(operator).post('/configurations/prod-config/rollback/1').expect(200);
    expect(rolledBack.body).toEqual(
      expect.objectContaining({ version: 3, raw_config: V1, config_hash: created.body.config_hash }),
    );

    const history = await api(viewer).get('/configurations/prod-config/history').expect(200);
    expect(history.headers['x-total-count']).toBe('3');
    expect(history.body.map((v: { version: number; change_kind: string }) => [v.version, v.change_kind])).toEqual([
      [3, 'rollback'],
      [2, 'update'],
      [1, 'create'],
    ]);
    expect(history.body[0]).toEqual(expect.objectContaining({ raw_config: V1, rolled_back_from: 1 }));
    const v2 = await api(viewer).get('/configurations/prod-config/history/2').expect(200);
    expect(v2.body).toEqual(expect.objectContaining({ version: 2, raw_config: V2, selector: { env: 'production' } }));
    await api(viewer).get('/configurations/prod-config/history/9').expect(404);
    await api(operator).post('/configurations/prod-config/rollback/9').expect(404);
  });

  it('keeps the version when an update changes nothing, and bumps none for settings-only changes', async () => {
    await api(operator)
      .post('/configurations', { name: 'steady', raw_config: 'a: 1', selector: { x: 'y' } })
      .expect(201);
    const same = await api(operator).put('/configurations/steady', { raw_config: 'a: 1' }).expect(200);
    expect(same.body.version).toBe(1);
    const settings = await api(operator)
      .put('/configurations/steady', { description: 'now described', priority: 7, auto_push: false })
      .expect(200);
    expect(settings.body).toEqual(
      expect.objectContaining({ version: 1, description: 'now described', priority: 7, auto_push: false }),
    );
    const selector = await api(operator)
      .put('/configurations/steady', { selector: { x: 'z' } })
      .expect(200);
    expect(selector.body.version).toBe(2);
    const history = await api(viewer).get('/configurations/steady/history').expect(200);
    expect(history.body).toHaveLength(2);
  });

  it('refuses an update based on a stale version with 409 when the client sends the version it read', async () => {
    await api(operator).post('/configurations', { name: 'guarded-edit', raw_config: 'a: 1' }).expect(201);
    await api(operator).put('/configurations/guarded-edit', { raw_config: 'a: 2', version: 1 }).expect(200);
    const stale = await api(operator)
      .put('/configurations/guarded-edit', { raw_config: 'a: 3', version: 1 })
      .expect(409);
    expect(stale.body.message).toContain('version 2');
    const current = await api(viewer).get('/configurations/guarded-edit').expect(200);
    expect(current.body).toEqual(expect.objectContaining({ version: 2, raw_config: 'a: 2' }));
  });

  it('refuses invalid YAML with 400 naming line and column, and saves nothing', async () => {
    const response = await api(operator)
      .post('/configurations', {
        name: 'broken-yaml',
        raw_config: 'receivers:\n  otlp:\n    protocols: [grpc\nexporters:\n  - a\n b: c\n',
        selector: { env: 'production' },
      })
      .expect(400);
    expect(response.body.message).toMatch(/not valid YAML at line \d+, column \d+/);
    await api(viewer).get('/configurations/broken-yaml').expect(404);
    const rows = await sql(app.databaseUrl, `SELECT 1 FROM configurations WHERE name = 'broken-yaml'`);
    expect(rows).toHaveLength(0);
    const history = await sql(
      app.databaseUrl,
      `SELECT count(*)::int AS n FROM configuration_history h JOIN configurations c ON c.id = h.configuration_id
       WHERE c.name = 'broken-yaml'`,
    );
    expect(history[0].n).toBe(0);
  });

  it('refuses invalid JSON for application/json, and an invalid update leaves the version alone', async () => {
    const response = await api(operator)
      .post('/configurations', {
        name: 'edot',
        raw_config: '{\n  "logging": {\n    "level": "debug",\n  }\n}',
        content_type: 'application/json',
        file_name: 'elastic',
        selector: { 'service.name': 'edot' },
      })
      .expect(400);
    expect(response.body.message).toMatch(/not valid JSON at line 4, column 3/);
    expect(await sql(app.databaseUrl, `SELECT 1 FROM configurations WHERE name = 'edot'`)).toHaveLength(0);

    await api(operator)
      .post('/configurations', {
        name: 'edot',
        raw_config: '{"logging": {"level": "info"}}',
        content_type: 'application/json',
        file_name: 'elastic',
        selector: { 'service.name': 'edot' },
      })
      .expect(201);
    const bad = await api(operator).put('/configurations/edot', { raw_config: '{"logging": ' }).expect(400);
    expect(bad.body.message).toMatch(/line 1, column 13/);
    const current = await api(viewer).get('/configurations/edot').expect(200);
    expect(current.body).toEqual(expect.objectContaining({ version: 1, raw_config: '{"logging": {"level": "info"}}' }));
  });

  it('refuses a raw_config over CONFIG_MAX_BYTES with 413', async () => {
    const response = await api(operator)
      .post('/configurations', { name: 'huge', raw_config: `a: "${'x'.repeat(5000)}"`, selector: { a: 'b' } })
      .expect(413);
    expect(response.body.message).toContain('CONFIG_MAX_BYTES');
    await api(viewer).get('/configurations/huge').expect(404);
  });

  it('validates names, content types and selectors, and refuses a rename or a duplicate', async () => {
    for (const name of ['-leading', 'has space', 'slash/name', 'x'.repeat(129)]) {
      await api(operator).post('/configurations', { name, raw_config: 'a: 1' }).expect(400);
    }
    await api(operator)
      .post('/configurations', { name: 'ok', raw_config: 'a: 1', content_type: 'text/xml' })
      .expect(400);
    const selector = await api(operator)
      .post('/configurations', { name: 'ok', raw_config: 'a: 1', selector: { env: 1 } })
      .expect(400);
    expect(selector.body.message).toContain('selector');
    await api(operator).post('/configurations', { name: 'Dup.Name_1', raw_config: 'a: 1' }).expect(201);
    await api(operator).post('/configurations', { name: 'dup.name_1', raw_config: 'a: 1' }).expect(409);
    await api(viewer).get('/configurations/DUP.NAME_1').expect(200);
    const rename = await api(operator)
      .put('/configurations/dup.name_1', { name: 'other', raw_config: 'a: 2' })
      .expect(400);
    expect(rename.body.message).toContain('renamed');
    await api(operator).put('/configurations/missing', { raw_config: 'a: 2' }).expect(404);
  });

  it('lists with name and label filters and pagination headers', async () => {
    for (const [name, env] of [
      ['list-a', 'qa'],
      ['list-b', 'qa'],
      ['list-c', 'dev'],
    ]) {
      await api(operator)
        .post('/configurations', { name, raw_config: 'a: 1', selector: { env, tier: 'web' } })
        .expect(201);
    }
    const byName = await api(viewer).get('/configurations?name=LIST-&page_size=2').expect(200);
    expect(byName.headers['x-total-count']).toBe('3');
    expect(byName.body.map((c: { name: string }) => c.name)).toEqual(['list-a', 'list-b']);
    const page2 = await api(viewer).get('/configurations?name=list-&page_size=2&page=2').expect(200);
    expect(page2.body.map((c: { name: string }) => c.name)).toEqual(['list-c']);
    const byLabel = await api(viewer).get('/configurations?label=env=qa,tier=web').expect(200);
    expect(byLabel.body.map((c: { name: string }) => c.name)).toEqual(['list-a', 'list-b']);
    await api(viewer).get('/configurations?label=nonsense').expect(400);
    const percent = await api(viewer).get('/configurations?name=%25').expect(200);
    expect(percent.body).toEqual([]);
  });

  it('gives a viewer reads but 403 on every write, and keeps delete for admins', async () => {
    await api(operator).post('/configurations', { name: 'guarded', raw_config: 'a: 1' }).expect(201);
    await api(viewer).get('/configurations/guarded').expect(200);
    await api(viewer).post('/configurations', { name: 'viewer-made', raw_config: 'a: 1' }).expect(403);
    await api(viewer).put('/configurations/guarded', { raw_config: 'a: 2' }).expect(403);
    await api(viewer).post('/configurations/guarded/rollback/1').expect(403);
    await api(viewer).delete('/configurations/guarded').expect(403);
    await api(operator).delete('/configurations/guarded').expect(403);
    await api(admin).delete('/configurations/guarded').expect(204);
    await request(app.url).get('/api/v1/configurations').expect(401);
  });

  it('shows a unified diff of raw_config and the selector change', async () => {
    await api(operator)
      .post('/configurations', { name: 'diffed', raw_config: V1, selector: { env: 'production', region: 'eu' } })
      .expect(201);
    await api(operator)
      .put('/configurations/diffed', { raw_config: V2, selector: { env: 'prod', team: 'obs' } })
      .expect(200);
    const diff = await api(viewer).get('/configurations/diffed/diff?from=1&to=2').expect(200);
    expect(diff.body.raw_config_diff).toContain('--- diffed@v1');
    expect(diff.body.raw_config_diff).toContain('+++ diffed@v2');
    expect(diff.body.raw_config_diff).toContain('-    endpoint: prod.com:4317');
    expect(diff.body.raw_config_diff).toContain('+    endpoint: prod.com:4318');
    expect(diff.body.selector).toEqual({
      added: { team: 'obs' },
      removed: { region: 'eu' },
      changed: { env: { from: 'production', to: 'prod' } },
    });
    expect(diff.body.content_type).toBeNull();
    const defaults = await api(viewer).get('/configurations/diffed/diff').expect(200);
    expect([defaults.body.from, defaults.body.to]).toEqual([1, 2]);
    await api(viewer).get('/configurations/diffed/diff?from=1&to=5').expect(404);
    await api(viewer).get('/configurations/diffed/diff?from=zero').expect(400);
  });

  it('never duplicates a version under 10 parallel updates, and numbers them without gaps', async () => {
    await api(operator)
      .post('/configurations', { name: 'raced', raw_config: 'n: 0', selector: { a: 'b' } })
      .expect(201);
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => api(operator).put('/configurations/raced', { raw_config: `n: ${i + 1}` })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const versions = responses.map((r) => r.body.version as number).sort((a, b) => a - b);
    expect(versions).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const history = await api(viewer).get('/configurations/raced/history').expect(200);
    expect(history.body.map((v: { version: number }) => v.version)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    const current = await api(viewer).get('/configurations/raced').expect(200);
    expect(current.body.version).toBe(11);
    expect(current.body.raw_config).toBe(history.body[0].raw_config);
  });

  it('refuses to delete a configuration in use unless forced, and keeps its history readable', async () => {
    const [agent] = await insertAgents(app.databaseUrl, [{ labels: { env: 'in-use' } }]);
    await api(operator)
      .post('/configurations', { name: 'in-use', raw_config: 'a: 1', selector: { env: 'in-use' } })
      .expect(201);
    await api(operator).put('/configurations/in-use', { raw_config: 'a: 2' }).expect(200);
    const agents = await api(viewer).get('/configurations/in-use/agents').expect(200);
    expect(agents.body.map((a: { agent_id: string }) => a.agent_id)).toEqual([agent]);

    const refused = await api(admin).delete('/configurations/in-use').expect(409);
    expect(refused.body.message).toContain('1 agent');
    await api(admin).delete('/configurations/in-use?force=true').expect(204);
    await api(viewer).get('/configurations/in-use').expect(404);
    const history = await api(viewer).get('/configurations/in-use/history').expect(200);
    expect(history.body.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const rows = await sql(app.databaseUrl, 'SELECT assigned_configuration_id FROM agents WHERE instance_uid = $1', [
      agent,
    ]);
    expect(rows[0].assigned_configuration_id).toBeNull();
    // The name is free again; the new configuration starts its own history.
    await api(operator).post('/configurations', { name: 'in-use', raw_config: 'b: 1' }).expect(201);
    const fresh = await api(viewer).get('/configurations/in-use/history').expect(200);
    expect(fresh.body.map((v: { version: number }) => v.version)).toEqual([1]);
    await api(admin).delete('/configurations/never-was').expect(404);
  });
});
