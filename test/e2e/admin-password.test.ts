import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createTestDatabase } from '../support/database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('the first admin password across restarts (e2e)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opamp-admin-'));
  const file = path.join(dataDir, 'initial-admin-password');
  let databaseUrl: string;
  let app: TestApp | undefined;

  const start = async (env: Record<string, string>): Promise<TestApp> => {
    await app?.close();
    app = await startTestApp({ DATABASE_URL: databaseUrl, DATA_DIR: dataDir, ADMIN_PASSWORD: '', ...env });
    return app;
  };
  const loginStatus = async (password: string): Promise<number> =>
    (await request(app!.url).post('/api/v1/auth/login').send({ username: 'admin', password })).status;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
  });

  afterAll(async () => {
    await app?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('generates a password on first start and writes it to initial-admin-password', async () => {
    await start({});
    const generated = fs.readFileSync(file, 'utf8').trim();
    expect(await loginStatus(generated)).toBe(200);
  });

  it('ignores ADMIN_PASSWORD for an admin that exists (the old seeds used admin123)', async () => {
    const generated = fs.readFileSync(file, 'utf8').trim();
    await start({ ADMIN_PASSWORD: 'admin123' });
    expect(await loginStatus('admin123')).toBe(401);
    expect(await loginStatus(generated)).toBe(200);
    expect(fs.existsSync(file)).toBe(true);
  });

  it('applies it with ADMIN_PASSWORD_RESET=true, and the stale password file goes', async () => {
    await start({ ADMIN_PASSWORD: 'admin123', ADMIN_PASSWORD_RESET: 'true' });
    expect(await loginStatus('admin123')).toBe(200);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses ADMIN_PASSWORD_RESET without ADMIN_PASSWORD', async () => {
    await app?.close();
    app = undefined;
    await expect(
      startTestApp({ DATABASE_URL: databaseUrl, ADMIN_PASSWORD: '', ADMIN_PASSWORD_RESET: 'true' }),
    ).rejects.toThrow(/ADMIN_PASSWORD_RESET: needs ADMIN_PASSWORD/);
  });

  it('deletes initial-admin-password when the admin changes the generated password', async () => {
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'opamp-admin-'));
    const freshApp = await startTestApp({
      DATABASE_URL: await createTestDatabase(),
      DATA_DIR: fresh,
      ADMIN_PASSWORD: '',
    });
    try {
      const freshFile = path.join(fresh, 'initial-admin-password');
      const generated = fs.readFileSync(freshFile, 'utf8').trim();
      const token = await freshApp.login('admin', generated);
      // A wrong current password changes nothing, and the file stays.
      await request(freshApp.url)
        .put('/api/v1/users/me/password')
        .set('Authorization', `Bearer ${token}`)
        .send({ current_password: 'not-it-at-all', new_password: 'a-new-password' })
        .expect(401);
      expect(fs.existsSync(freshFile)).toBe(true);
      await request(freshApp.url)
        .put('/api/v1/users/me/password')
        .set('Authorization', `Bearer ${token}`)
        .send({ current_password: generated, new_password: 'a-new-password' })
        .expect(204);
      expect(fs.existsSync(freshFile)).toBe(false);
      await freshApp.login('admin', 'a-new-password');
    } finally {
      await freshApp.close();
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });
});
