import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface OpenApiOperation {
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

describe('Swagger UI and the OpenAPI document (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app.close();
  });

  it.each(['/swagger', '/swagger/', '/swagger/index.html'])(
    '%s loads every script and stylesheet it links',
    async (page) => {
      const response = await request(app.url).get(page).redirects(1).expect(200);
      expect(response.headers['content-type']).toMatch(/text\/html/);
      const base = new URL(response.redirects.at(-1) ?? `${app.url}${page}`);
      const assets = [...response.text.matchAll(/(?:src|href)=['"]([^'"]+)['"]/g)].map((m) => m[1]);
      expect(assets.length).toBeGreaterThanOrEqual(3);
      for (const asset of assets) {
        const url = new URL(asset, base);
        const loaded = await request(url.origin).get(url.pathname);
        expect({ asset: url.pathname, status: loaded.status }).toEqual({ asset: url.pathname, status: 200 });
        expect(loaded.headers['content-type']).toMatch(/javascript|css|image/);
      }
    },
  );

  it('declares a success response for every operation and one error schema for every error', async () => {
    const document = (await request(app.url).get('/swagger/json').expect(200)).body as {
      paths: Record<string, Record<string, OpenApiOperation>>;
    };
    const missing: string[] = [];
    const untyped: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const statuses = Object.keys(operation.responses);
        if (!statuses.some((s) => s.startsWith('2'))) {
          missing.push(`${method.toUpperCase()} ${path}`);
        }
        for (const status of statuses.filter((s) => Number(s) >= 400)) {
          const ref = operation.responses[status].content?.['application/json']?.schema?.$ref;
          // /health answers 503 with its usual body, saying which part is down.
          const expected = path === '/health' ? 'HealthResponse' : 'ErrorResponse';
          if (ref !== `#/components/schemas/${expected}`) {
            untyped.push(`${method.toUpperCase()} ${path} ${status}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
    expect(untyped).toEqual([]);
    const events = document.paths['/api/v1/events'].get.responses['200'];
    expect(Object.keys(events.content ?? {})).toEqual(['text/event-stream']);
    expect(Object.keys(document.paths['/health'].get.responses)).toEqual(expect.arrayContaining(['200', '503']));
  });
});
