import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { freePortRun } from '../../src/common/free-port.js';
import { ADMIN_PASSWORD } from '../support/test-app.js';

describe('npm run start:cluster (e2e)', () => {
  it('runs two instances on one embedded PostgreSQL that share users and tokens, and stops cleanly', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opamp-cluster-'));
    fs.chmodSync(dataDir, 0o755);
    const [httpBase, opampBase] = [await freePortRun(2), await freePortRun(2)];
    const child = spawn(process.execPath, ['dist/scripts/start-cluster.js', '--instances', '2'], {
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(httpBase),
        OPAMP_PORT: String(opampBase),
        ADMIN_PASSWORD,
        LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    });
    try {
      const urls = [0, 1].map((i) => `http://127.0.0.1:${httpBase + i}`);
      const deadline = Date.now() + 45_000;
      for (const url of urls) {
        while (
          !(await fetch(`${url}/health`).then(
            (r) => r.ok,
            () => false,
          ))
        ) {
          if (Date.now() > deadline) {
            throw new Error(`${url} never became healthy`);
          }
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      // A token from instance 0 opens instance 1: same JWT secret (DATA_DIR) and same users table.
      const login = await request(urls[0])
        .post('/api/v1/auth/login')
        .send({ username: 'admin', password: ADMIN_PASSWORD });
      await request(urls[1]).get('/api/v1/auth/me').set('Authorization', `Bearer ${login.body.token}`).expect(200);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    }
    const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
    expect(fs.existsSync(pidFile)).toBe(false); // PostgreSQL was shut down, not abandoned
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);
});
