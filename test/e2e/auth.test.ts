import request from 'supertest';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../support/test-app.js';

describe('authentication, roles and users (e2e)', () => {
  let app: TestApp;
  let admin: string;

  beforeAll(async () => {
    app = await startTestApp({ LOGIN_MAX_ATTEMPTS: '4', LOGIN_WINDOW_SECONDS: '60' });
    admin = await app.login();
  });

  afterAll(async () => {
    await app.close();
  });

  it('logs in with the seed request and returns token, expires_at and user', async () => {
    const response = await request(app.url)
      .post('/api/v1/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"username":"admin","password":"' + ADMIN_PASSWORD + '"}')
      .expect(200);
    expect(response.body).toEqual({
      token: expect.stringMatching(/^ey/),
      expires_at: expect.any(String),
      user: expect.objectContaining({ username: 'admin', role: 'admin', disabled: false }),
    });
    expect(Date.parse(response.body.expires_at)).toBeGreaterThan(Date.now() + 3600_000);
  });

  it('opens protected routes with the token and names the user at /auth/me', async () => {
    const response = await request(app.url).get('/api/v1/auth/me').set('Authorization', `Bearer ${admin}`).expect(200);
    expect(response.body.username).toBe('admin');
  });

  it('answers a wrong password and an unknown user with the same 401 message', async () => {
    const wrong = await request(app.url).post('/api/v1/auth/login').send({ username: 'admin', password: 'nope-nope' });
    const unknown = await request(app.url)
      .post('/api/v1/auth/login')
      .send({ username: 'ghost', password: 'nope-nope' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.message).toBe(unknown.body.message);
    expect(wrong.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      code: 'InvalidCredentials',
      message: 'Invalid username or password',
      requestId: expect.any(String),
    });
  });

  it.each([
    ['missing', undefined],
    ['malformed', 'Bearer not-a-jwt'],
    ['tampered', 'TAMPER'],
  ])('refuses a %s token with 401', async (_, header) => {
    const value = header === 'TAMPER' ? `Bearer ${admin.slice(0, -3)}abc` : header;
    const call = request(app.url).get('/api/v1/auth/me');
    const response = await (value ? call.set('Authorization', value) : call);
    expect(response.status).toBe(401);
    expect(response.body).toEqual(expect.objectContaining({ code: 'NotAuthenticated', requestId: expect.any(String) }));
  });

  it('refuses an expired token and one signed with another algorithm', async () => {
    const [header, payload] = admin.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const expired = Buffer.from(JSON.stringify({ ...claims, exp: 1 })).toString('base64url');
    await request(app.url)
      .get('/api/v1/auth/me')
      .set('Authorization', `Bearer ${header}.${expired}.${admin.split('.')[2]}`)
      .expect(401);
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    await request(app.url).get('/api/v1/auth/me').set('Authorization', `Bearer ${none}.${payload}.`).expect(401);
  });

  it('gives a viewer reads but 403 on writes', async () => {
    const viewer = await app.tokenFor('viewer');
    await request(app.url).get('/api/v1/auth/me').set('Authorization', `Bearer ${viewer}`).expect(200);
    const response = await request(app.url)
      .post('/api/v1/agent-keys')
      .set('Authorization', `Bearer ${viewer}`)
      .send({ name: 'x' })
      .expect(403);
    expect(response.body.message).toContain('admin');
    expect(response.body.code).toBe('InsufficientRole');
    await request(app.url).get('/api/v1/users').set('Authorization', `Bearer ${viewer}`).expect(403);
  });

  it('names the invalid field in a 400', async () => {
    const response = await request(app.url)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${admin}`)
      .send({ username: 'ok-name', password: 'short', role: 'superuser' })
      .expect(400);
    expect(response.body.message).toContain('password');
    expect(response.body.message).toContain('role');
    expect(response.body.code).toBe('ValidationFailed');
  });

  it('answers malformed JSON with a 400 in the shared shape', async () => {
    const response = await request(app.url)
      .post('/api/v1/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"username": "admin"')
      .expect(400);
    expect(response.body).toEqual(
      expect.objectContaining({ statusCode: 400, code: 'MalformedJson', requestId: expect.any(String) }),
    );
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await request(app.url).get('/api/v1/does-not-exist').expect(404);
    expect(response.body).toEqual(
      expect.objectContaining({ statusCode: 404, error: 'Not Found', code: 'RouteNotFound' }),
    );
  });

  it('lets an admin manage users: create, list, change role, disable', async () => {
    const created = await request(app.url)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${admin}`)
      .send({ username: 'carol', password: 'carol-password', role: 'viewer' })
      .expect(201);
    await request(app.url)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${admin}`)
      .send({ username: 'CAROL', password: 'carol-password', role: 'viewer' })
      .expect(409);
    const list = await request(app.url).get('/api/v1/users').set('Authorization', `Bearer ${admin}`).expect(200);
    expect(list.body.map((u: { username: string }) => u.username)).toContain('carol');
    expect(Number(list.headers['x-total-count'])).toBeGreaterThanOrEqual(2);
    const carol = await app.login('carol', 'carol-password');
    const promoted = await request(app.url)
      .patch(`/api/v1/users/${created.body.id}`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ role: 'operator' })
      .expect(200);
    expect(promoted.body.role).toBe('operator');
    await request(app.url)
      .patch(`/api/v1/users/${created.body.id}`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ disabled: true })
      .expect(200);
    // A disabled user's existing token stops working at once.
    await request(app.url).get('/api/v1/auth/me').set('Authorization', `Bearer ${carol}`).expect(401);
    await request(app.url)
      .patch('/api/v1/users/00000000-0000-4000-8000-000000000000')
      .set('Authorization', `Bearer ${admin}`)
      .send({ role: 'viewer' })
      .expect(404);
  });

  it('refuses to demote the last admin', async () => {
    const me = await request(app.url).get('/api/v1/auth/me').set('Authorization', `Bearer ${admin}`).expect(200);
    await request(app.url)
      .patch(`/api/v1/users/${me.body.id}`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ role: 'viewer' })
      .expect(409);
  });

  it('changes your own password only with the current one', async () => {
    await request(app.url)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${admin}`)
      .send({ username: 'dave', password: 'dave-password', role: 'viewer' })
      .expect(201);
    const dave = await app.login('dave', 'dave-password');
    await request(app.url)
      .put('/api/v1/users/me/password')
      .set('Authorization', `Bearer ${dave}`)
      .send({ current_password: 'wrong-one', new_password: 'dave-new-password' })
      .expect(401);
    await request(app.url)
      .put('/api/v1/users/me/password')
      .set('Authorization', `Bearer ${dave}`)
      .send({ current_password: 'dave-password', new_password: 'dave-new-password' })
      .expect(204);
    await app.login('dave', 'dave-new-password');
  });

  it('rate-limits failed logins per username with 429 and Retry-After, from any IP', async () => {
    for (let i = 0; i < 4; i++) {
      await request(app.url)
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', `10.0.0.${i}`)
        .send({ username: 'eve', password: 'guess-guess' })
        .expect(401);
    }
    const response = await request(app.url)
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', '10.0.0.200')
      .send({ username: 'eve', password: 'guess-guess' })
      .expect(429);
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expect(response.body.statusCode).toBe(429);
    // Another user from another address is unaffected.
    await request(app.url)
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', '10.0.1.1')
      .send({ username: 'admin', password: ADMIN_PASSWORD })
      .expect(200);
  });

  it('rate-limits one IP guessing many usernames', async () => {
    for (let i = 0; i < 4; i++) {
      await request(app.url)
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', '10.0.2.2')
        .send({ username: `user${i}`, password: 'guess-guess' })
        .expect(401);
    }
    await request(app.url)
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', '10.0.2.2')
      .send({ username: 'admin', password: ADMIN_PASSWORD })
      .expect(429);
  });
});
