import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('first-hour API answers (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app.close();
  });

  it('names the limit when a JSON body is too large', async () => {
    const token = await app.tokenFor('operator');
    const response = await request(app.url)
      .post('/api/v1/configurations')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ name: 'big', raw_config: 'x'.repeat(5 * 1024 * 1024) }))
      .expect(413);
    expect(response.body).toEqual(
      expect.objectContaining({
        statusCode: 413,
        code: 'PayloadTooLarge',
        message: 'Request body is too large: the limit is 2 MiB (2097152 bytes)',
      }),
    );
    const missing = await request(app.url)
      .get('/api/v1/configurations/big')
      .set('Authorization', `Bearer ${token}`)
      .expect(404);
    expect(missing.body.code).toBe('ConfigurationNotFound');
  });

  it('answers a login with no fields with one message per missing field', async () => {
    const response = await request(app.url).post('/api/v1/auth/login').send({}).expect(400);
    expect(response.body.message).toBe(
      'username is required (a string of at most 64 characters); password is required (a string of at most 256 characters)',
    );
    const one = await request(app.url).post('/api/v1/auth/login').send({ username: 'admin' }).expect(400);
    expect(one.body.message).toBe('password is required (a string of at most 256 characters)');
  });

  it('gives the console the OpAMP endpoint: the host it was reached by, on the OpAMP port', async () => {
    const token = await app.tokenFor('viewer');
    const port = new URL(app.opampUrl).port;
    const response = await request(app.url)
      .get('/api/v1/server-info')
      .set('Host', 'console.example.net:8080')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(response.body).toEqual({
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      opamp_ws_url: `ws://console.example.net:${port}/v1/opamp`,
      opamp_http_url: `http://console.example.net:${port}/v1/opamp`,
      opamp_url_source: 'request',
    });
    await request(app.url).get('/api/v1/server-info').expect(401);
  });
});

describe('server-info with OPAMP_PUBLIC_URL (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_PUBLIC_URL: 'https://opamp.example.com:8443/agents/' });
  });

  afterAll(async () => {
    await app.close();
  });

  it('uses the public URL, as package download URLs do', async () => {
    const response = await request(app.url)
      .get('/api/v1/server-info')
      .set('Authorization', `Bearer ${await app.login()}`)
      .expect(200);
    expect(response.body).toEqual(
      expect.objectContaining({
        opamp_ws_url: 'wss://opamp.example.com:8443/agents/v1/opamp',
        opamp_http_url: 'https://opamp.example.com:8443/agents/v1/opamp',
        opamp_url_source: 'OPAMP_PUBLIC_URL',
      }),
    );
  });
});
