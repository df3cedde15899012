import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';

// `npm test` builds web/dist first (pretest runs `npm run build`).
describe('web console static serving (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app.close();
  });

  it('serves the console at / with a same-origin script policy', async () => {
    const response = await request(app.url).get('/').set('Accept', 'text/html').expect(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.text).toContain('<div id="app">');
    expect(response.headers['content-security-policy']).toMatch(/script-src 'self'/);
    // It would send every browser that opened the console by a plain-HTTP address (not localhost) to https.
    expect(response.headers['content-security-policy']).not.toMatch(
      /upgrade-insecure-requests|block-all-mixed-content/,
    );
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(response.text)?.[1];
    expect(script).toBeDefined();
    const asset = await request(app.url).get(script!).expect(200);
    expect(asset.headers['cache-control']).toContain('immutable');
  });

  it('answers client routes with index.html', async () => {
    const response = await request(app.url).get('/configurations/some-name').set('Accept', 'text/html').expect(200);
    expect(response.text).toContain('<div id="app">');
  });

  it('never falls back for API, docs, health or metrics paths', async () => {
    const missing = await request(app.url).get('/api/v1/no-such-thing').set('Accept', 'text/html').expect(404);
    expect(missing.body).toEqual(expect.objectContaining({ statusCode: 404, requestId: expect.any(String) }));
    await request(app.url)
      .get('/swagger/json')
      .set('Accept', 'text/html,application/json')
      .expect(200)
      .expect('Content-Type', /json/);
    await request(app.url).get('/health').set('Accept', 'text/html').expect('Content-Type', /json/);
    await request(app.url)
      .get('/metrics')
      .set('Accept', 'text/html')
      .expect(200)
      .expect('Content-Type', /text\/plain/);
  });
});
