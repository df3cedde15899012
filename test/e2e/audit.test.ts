import pg from 'pg';
import request from 'supertest';
import { AuditService } from '../../src/audit/audit.service.js';
import { eventually } from '../support/eventually.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface AuditRow {
  id: string;
  actor_type: string;
  actor_name: string | null;
  action: string;
  resource: string;
  resource_id: string | null;
  method: string;
  path: string;
  status_code: number;
  outcome: string;
  client_ip: string | null;
  request_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  request: Record<string, unknown> | null;
}

const WRITE_METHODS = ['post', 'put', 'patch', 'delete'] as const;
/** Path parameters that address nothing: every call is refused by the handler or acts on nothing. */
const PARAM_VALUES: Record<string, string> = {
  id: '00000000-0000-4000-8000-000000000000',
  name: 'audit-walk',
  version: '1',
};

describe('audit log (e2e)', () => {
  let app: TestApp;
  let admin: string;

  const total = async (): Promise<number> =>
    Number(
      (await request(app.url).get('/api/v1/audit?page_size=1').set('Authorization', `Bearer ${admin}`).expect(200))
        .headers['x-total-count'],
    );
  const newest = async (query = ''): Promise<AuditRow[]> =>
    (await request(app.url).get(`/api/v1/audit?${query}`).set('Authorization', `Bearer ${admin}`).expect(200))
      .body as AuditRow[];

  beforeAll(async () => {
    app = await startTestApp();
    admin = await app.login();
  });

  afterAll(async () => {
    await app.close();
  });

  it('records every write operation of the OpenAPI document exactly once, refused ones included', async () => {
    const doc = (await request(app.url).get('/swagger/json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      WRITE_METHODS.filter((m) => m in ops).map((method) => ({
        method,
        path,
        secured: ((ops[method] as { security?: unknown[] }).security ?? []).length > 0,
      })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(25);
    let count = await total();
    const seen: string[] = [];
    for (const { method, path, secured } of operations) {
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => PARAM_VALUES[name] ?? 'x');
      if (secured) {
        // A refused (401) attempt first: it never reaches a handler and leaves no record.
        await request(app.url)[method](url).send({}).expect(401);
      }
      const response = await request(app.url)[method](url).set('Authorization', `Bearer ${admin}`).send({});
      const expected = count + 1;
      const after = await eventually(async () => {
        const now = await total();
        return now >= expected ? now : undefined;
      }, 5000);
      expect({ operation: `${method} ${path}`, records: after - count }).toEqual({
        operation: `${method} ${path}`,
        records: 1,
      });
      const [record] = await newest('page_size=1');
      expect(record).toEqual(
        expect.objectContaining({
          method: method.toUpperCase(),
          path: url,
          status_code: response.status,
          outcome: response.status < 400 ? 'success' : 'failure',
        }),
      );
      seen.push(`${method.toUpperCase()} ${path} ${response.status}`);
      count = after;
    }
    // A late duplicate of the last operation would show here.
    expect(await total()).toBe(count);
    process.stdout.write(`audit walk: ${seen.length} write operations, one record each\n`);
  });

  it('records who, what, from where and before/after, without passwords or keys', async () => {
    const created = await request(app.url)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${admin}`)
      .set('X-Request-Id', 'audit-create-user')
      .send({ username: 'audited', password: 'secret-password-1', role: 'viewer' })
      .expect(201);
    const id = (created.body as { id: string }).id;
    await request(app.url)
      .patch(`/api/v1/users/${id}`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ role: 'operator', password: 'another-password-2' })
      .expect(200);
    const key = await request(app.url)
      .post('/api/v1/agent-keys')
      .set('Authorization', `Bearer ${admin}`)
      .send({ name: 'audited-key' })
      .expect(201);
    const records = await eventually(async () => {
      const rows = await newest('resource=users&actor=admin');
      return rows.length >= 2 ? rows : undefined;
    });
    const [update, create] = records;
    expect(create).toEqual(
      expect.objectContaining({
        actor_type: 'user',
        actor_name: 'admin',
        action: 'create',
        resource: 'users',
        resource_id: id,
        request_id: 'audit-create-user',
        client_ip: expect.stringContaining('127.0.0.1'),
        before: null,
        after: expect.objectContaining({ username: 'audited', role: 'viewer' }),
      }),
    );
    expect(update).toEqual(
      expect.objectContaining({
        action: 'update',
        resource_id: id,
        before: expect.objectContaining({ role: 'viewer' }),
        after: expect.objectContaining({ role: 'operator' }),
        request: { role: 'operator', password: '<redacted>' },
      }),
    );
    const keyRecords = await eventually(async () => {
      const rows = await newest('resource=agent-keys&action=create');
      return rows.length >= 1 ? rows : undefined;
    });
    const everything = JSON.stringify(await newest('page_size=1000'));
    expect(everything).not.toContain('secret-password-1');
    expect(everything).not.toContain('another-password-2');
    expect(everything).not.toContain((key.body as { key: string }).key);
    expect(everything).not.toContain('password_hash');
    expect(everything).not.toContain('key_hash');
    expect(keyRecords[0].after).toEqual(expect.objectContaining({ name: 'audited-key' }));
  });

  it('filters by actor, resource, action and time, pages, and is admin-only and read-only', async () => {
    const operator = await app.tokenFor('operator');
    await request(app.url)
      .post('/api/v1/configurations')
      .set('Authorization', `Bearer ${operator}`)
      .send({ name: 'audited-config', raw_config: 'exporters:\n  otlp:\n    headers: { api_key: s3cr3t-value }\n' })
      .expect(201);
    const rows = await eventually(async () => {
      const found = await newest('resource=configurations&action=create&page_size=5');
      return found.some((r) => r.resource_id === 'audited-config') ? found : undefined;
    });
    const record = rows.find((r) => r.resource_id === 'audited-config')!;
    expect(record.actor_name).toMatch(/^operator-/);
    expect(record.after).toEqual(expect.objectContaining({ name: 'audited-config', version: 1 }));
    expect(JSON.stringify(record)).not.toContain('s3cr3t-value');
    expect(await newest(`actor=${record.actor_name}&action=create&resource=configurations`)).toHaveLength(1);
    expect(await newest('actor=nobody')).toEqual([]);
    expect(await newest(`from=${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([]);
    expect((await newest(`to=${new Date(Date.now() + 60_000).toISOString()}&page_size=2`)).length).toBe(2);
    const page2 = await request(app.url)
      .get('/api/v1/audit?page=2&page_size=1')
      .set('Authorization', `Bearer ${admin}`);
    expect((page2.body as AuditRow[])[0].id).toBe((await newest('page_size=2'))[1].id);
    await request(app.url).get('/api/v1/audit?from=yesterday').set('Authorization', `Bearer ${admin}`).expect(400);
    await request(app.url).get('/api/v1/audit').set('Authorization', `Bearer ${operator}`).expect(403);
    for (const method of ['put', 'patch', 'delete'] as const) {
      await request(app.url)[method](`/api/v1/audit/${record.id}`).set('Authorization', `Bearer ${admin}`).expect(404);
    }
    const client = new pg.Client({ connectionString: app.databaseUrl });
    await client.connect();
    try {
      await expect(
        client.query(`UPDATE audit_log SET actor_name = 'forged' WHERE id = $1`, [record.id]),
      ).rejects.toThrow(/cannot be changed/);
      // Retention: records past AUDIT_RETENTION_DAYS (365 by default) are deleted by the sweep.
      await client.query(
        `INSERT INTO audit_log (at, actor_type, action, resource, method, path, status_code, outcome)
         VALUES (now() - interval '400 days', 'anonymous', 'create', 'old', 'POST', '/old', 201, 'success')`,
      );
      expect(await app.server.app.get(AuditService).prune()).toBe(1);
      const left = await client.query(`SELECT count(*)::int AS n FROM audit_log WHERE resource = 'old'`);
      expect(left.rows[0]).toEqual({ n: 0 });
    } finally {
      await client.end();
    }
  });
});
