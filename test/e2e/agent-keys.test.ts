import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('agent enrollment keys (e2e)', () => {
  let app: TestApp;
  let admin: string;

  beforeAll(async () => {
    app = await startTestApp();
    admin = await app.login();
  });

  afterAll(async () => {
    await app.close();
  });

  it('shows a new key once, lists it without the key, and revokes it', async () => {
    const created = await request(app.url)
      .post('/api/v1/agent-keys')
      .set('Authorization', `Bearer ${admin}`)
      .send({ name: 'prod collectors' })
      .expect(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'prod collectors',
      key: expect.stringMatching(/^opk_[A-Za-z0-9_-]{43}$/),
      prefix: created.body.key.slice(0, 10),
    });
    const list = await request(app.url).get('/api/v1/agent-keys').set('Authorization', `Bearer ${admin}`).expect(200);
    const listed = list.body.find((k: { id: string }) => k.id === created.body.id);
    expect(listed).toEqual(expect.objectContaining({ name: 'prod collectors', revoked_at: null }));
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);

    await request(app.url)
      .delete(`/api/v1/agent-keys/${created.body.id}`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(204);
    const after = await request(app.url).get('/api/v1/agent-keys').set('Authorization', `Bearer ${admin}`).expect(200);
    expect(after.body.find((k: { id: string }) => k.id === created.body.id).revoked_at).toEqual(expect.any(String));
  });

  it('answers an unknown key id with 404 and a malformed one with 400', async () => {
    await request(app.url)
      .delete('/api/v1/agent-keys/00000000-0000-4000-8000-000000000000')
      .set('Authorization', `Bearer ${admin}`)
      .expect(404);
    await request(app.url).delete('/api/v1/agent-keys/not-a-uuid').set('Authorization', `Bearer ${admin}`).expect(400);
  });

  it('refuses an operator (keys are admin-only)', async () => {
    const operator = await app.tokenFor('operator');
    await request(app.url)
      .post('/api/v1/agent-keys')
      .set('Authorization', `Bearer ${operator}`)
      .send({ name: 'x' })
      .expect(403);
  });
});
