import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';

const run = promisify(execFile);

describe('operations: health, metrics, swagger, request ids (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app.close();
  });

  it('reports liveness with database and storage status, without auth', async () => {
    const response = await request(app.url).get('/health').expect(200);
    expect(response.body).toEqual({
      status: 'ok',
      uptime_seconds: expect.any(Number),
      database: { status: 'up', notifications: 'up' },
      storage: {
        status: 'up',
        driver: 'filesystem',
        free_bytes: expect.any(Number),
        min_free_bytes: expect.any(Number),
        low_space: false,
      },
    });
  });

  it('reports 503 and names the failing component when storage is gone', async () => {
    const blobs = path.join(app.dataDir, 'blobs');
    fs.renameSync(blobs, `${blobs}.moved`);
    try {
      const response = await request(app.url).get('/health').expect(503);
      expect(response.body.status).toBe('degraded');
      expect(response.body.storage.status).toBe('down');
      expect(response.body.database.status).toBe('up');
    } finally {
      fs.renameSync(`${blobs}.moved`, blobs);
    }
  });

  it('serves Prometheus metrics', async () => {
    const response = await request(app.url).get('/metrics').expect(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.text).toContain('process_cpu_seconds_total');
  });

  it('serves Swagger UI and its JSON', async () => {
    const ui = await request(app.url).get('/swagger').redirects(1).expect(200);
    expect(ui.text).toContain('swagger');
    const json = await request(app.url).get('/swagger/json').expect(200);
    expect(json.body.paths['/api/v1/auth/login']).toBeDefined();
  });

  it('echoes a caller-supplied request id in error bodies, and makes one otherwise', async () => {
    const given = await request(app.url).get('/api/v1/auth/me').set('X-Request-Id', 'trace-abc.123').expect(401);
    expect(given.body.requestId).toBe('trace-abc.123');
    const made = await request(app.url).get('/api/v1/auth/me').set('X-Request-Id', 'bad id with spaces').expect(401);
    expect(made.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets security headers', async () => {
    const response = await request(app.url).get('/health');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-powered-by']).toBeUndefined();
  });
});

describe('openapi.json', () => {
  it('is up to date with the code', async () => {
    await expect(run(process.execPath, ['dist/scripts/write-openapi.js', '--check'])).resolves.toBeDefined();
  });

  it('is reported stale when it differs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opamp-openapi-'));
    fs.writeFileSync(path.join(dir, 'openapi.json'), '{}\n');
    const script = path.resolve('dist/scripts/write-openapi.js');
    await expect(run(process.execPath, [script, '--check'], { cwd: dir })).rejects.toThrow(/stale/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
