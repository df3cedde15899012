import request from 'supertest';
import { sql } from '../support/agents.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const GOOD = `receivers:
  otlp:
    protocols:
      grpc:
exporters:
  otlp:
    endpoint: backend:4317
  debug:
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [otlp]
`;
// The second exporter is not defined: the Collector would refuse to start.
const BROKEN = GOOD.replace('exporters: [otlp]', 'exporters: [otlp, otlp/2]');

describe('configurations: Collector config validation on create, update and /validate (e2e)', () => {
  let app: TestApp;
  let operator: string;
  let viewer: string;

  const post = (token: string, path: string, body: object) =>
    request(app.url).post(`/api/v1${path}`).set('Authorization', `Bearer ${token}`).send(body);
  const put = (path: string, body: object) =>
    request(app.url).put(`/api/v1${path}`).set('Authorization', `Bearer ${operator}`).send(body);

  beforeAll(async () => {
    app = await startTestApp({ CONFIG_MAX_BYTES: '4096' });
    operator = await app.tokenFor('operator');
    viewer = await app.tokenFor('viewer');
  });

  afterAll(async () => {
    await app.close();
  });

  it('refuses a config the Collector would refuse with 400, the YAML path, line and column, and saves nothing', async () => {
    const response = await post(operator, '/configurations', { name: 'broken', raw_config: BROKEN }).expect(400);
    expect(response.body.message).toContain('service.pipelines.traces.exporters[1] at line 13, column 25');
    expect(response.body.errors).toEqual([
      {
        path: 'service.pipelines.traces.exporters[1]',
        line: 13,
        column: 25,
        message: 'exporter "otlp/2" is not defined under exporters or connectors',
      },
    ]);
    expect(response.body.warnings).toEqual([expect.objectContaining({ path: 'exporters.debug', line: 8 })]);
    expect(response.body.requestId).toEqual(expect.any(String));
    const rows = await sql(app.databaseUrl, `SELECT 1 FROM configurations WHERE name = 'broken'`);
    expect(rows).toHaveLength(0);
  });

  it('saves a valid config and returns its warnings without blocking; "validate": false saves a broken one', async () => {
    const created = await post(operator, '/configurations', { name: 'good', raw_config: GOOD }).expect(201);
    expect(created.body).toEqual(expect.objectContaining({ name: 'good', version: 1 }));
    expect(created.body.warnings).toEqual([
      {
        path: 'exporters.debug',
        line: 8,
        column: 3,
        message: 'exporter "debug" is defined but not used in any pipeline; the Collector ignores it',
      },
    ]);
    const forced = await post(operator, '/configurations', {
      name: 'forced',
      raw_config: BROKEN,
      validate: false,
    }).expect(201);
    expect(forced.body).toEqual(expect.objectContaining({ raw_config: BROKEN, warnings: [] }));
    // validate: false does not skip the syntax check.
    const syntax = await post(operator, '/configurations', {
      name: 'forced-bad-yaml',
      raw_config: 'service: [a\n',
      validate: false,
    }).expect(400);
    expect(syntax.body.message).toMatch(/not valid YAML at line \d+, column \d+/);
  });

  it('an update to a broken config is refused and keeps the current version; an unchanged body is not judged again', async () => {
    const refused = await put('/configurations/good', { raw_config: BROKEN, version: 1 }).expect(400);
    expect(refused.body.errors).toHaveLength(1);
    const current = await request(app.url)
      .get('/api/v1/configurations/good')
      .set('Authorization', `Bearer ${viewer}`)
      .expect(200);
    expect(current.body).toEqual(expect.objectContaining({ version: 1, raw_config: GOOD }));
    const described = await put('/configurations/forced', { description: 'kept as sent' }).expect(200);
    expect(described.body).toEqual(expect.objectContaining({ version: 1, warnings: [] }));
    const fixed = await put('/configurations/forced', { raw_config: GOOD }).expect(200);
    expect(fixed.body.version).toBe(2);
    expect(fixed.body.warnings.map((w: { path: string }) => w.path)).toEqual(['exporters.debug']);
  });

  it('POST /configurations/validate checks a body without saving it, for any signed-in user', async () => {
    const broken = await post(viewer, '/configurations/validate', { raw_config: BROKEN }).expect(200);
    expect(broken.body).toEqual({
      valid: false,
      collector_config: true,
      errors: [expect.objectContaining({ path: 'service.pipelines.traces.exporters[1]', line: 13, column: 25 })],
      warnings: [expect.objectContaining({ path: 'exporters.debug' })],
    });
    const syntax = await post(viewer, '/configurations/validate', { raw_config: 'a: [1\nb: 2\n' }).expect(200);
    expect(syntax.body).toEqual(
      expect.objectContaining({
        valid: false,
        collector_config: false,
        errors: [expect.objectContaining({ path: '' })],
      }),
    );
    expect(syntax.body.errors[0].line).toBeGreaterThan(1);
    const json = await post(viewer, '/configurations/validate', {
      raw_config: '{"service": {"pipelines": {}}}',
      content_type: 'application/json',
    }).expect(200);
    expect(json.body).toEqual({ valid: true, collector_config: false, errors: [], warnings: [] });
    const rows = await sql(app.databaseUrl, `SELECT count(*)::int AS n FROM configurations`);
    expect(rows[0].n).toBe(2);
  });

  it('/validate refuses bad input: missing body, unknown content type, too large, no token', async () => {
    const missing = await post(viewer, '/configurations/validate', {}).expect(400);
    expect(missing.body.message).toContain('raw_config');
    await post(viewer, '/configurations/validate', { raw_config: 'a: 1', content_type: 'text/xml' }).expect(400);
    const large = await post(viewer, '/configurations/validate', { raw_config: 'a'.repeat(5000) }).expect(413);
    expect(large.body.message).toContain('CONFIG_MAX_BYTES');
    await request(app.url).post('/api/v1/configurations/validate').send({ raw_config: GOOD }).expect(401);
  });
});
