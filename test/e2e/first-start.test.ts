import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { runMigrationsLocked } from '../../src/database/locked-migrations.js';
import { createEmptyDatabase } from '../support/database.js';
import { ADMIN_PASSWORD, startTestApp } from '../support/test-app.js';

describe('first start (e2e)', () => {
  it('two instances starting together on an empty database migrate it once, without a race', async () => {
    const databaseUrl = await createEmptyDatabase();
    const apps = await Promise.all(
      [0, 1].map(() =>
        startTestApp({ DATABASE_URL: databaseUrl, JWT_SECRET: 'shared-by-both-instances-0123456789abcdef' }),
      ),
    );
    try {
      const token = await apps[0].login();
      await request(apps[1].url).get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`).expect(200);
      const check = new DataSource(dataSourceOptions(databaseUrl));
      await check.initialize();
      try {
        const rows = await check.query<unknown[]>('SELECT name FROM migrations');
        expect(rows).toHaveLength(migrations.length);
      } finally {
        await check.destroy();
      }
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });

  it('runs the migrations of concurrent runners exactly once', async () => {
    const databaseUrl = await createEmptyDatabase();
    const sources = [0, 1, 2].map(() => new DataSource(dataSourceOptions(databaseUrl)));
    await Promise.all(sources.map((s) => s.initialize()));
    try {
      const applied = await Promise.all(sources.map((s) => runMigrationsLocked(s)));
      expect(applied.map((a) => a.length).sort()).toEqual([0, 0, migrations.length]);
    } finally {
      await Promise.all(sources.map((s) => s.destroy()));
    }
  });
});

describe('npm start in a directory with a .env file (e2e)', () => {
  it('reads .env under the real environment and prints one banner with reachable URLs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opamp-dotenv-'));
    const databaseUrl = await createEmptyDatabase();
    // HTTP_PORT from .env is overridden by the environment; OPAMP_PUBLIC_URL only comes from .env.
    fs.writeFileSync(
      path.join(dir, '.env'),
      [
        'HTTP_PORT=1',
        'OPAMP_PORT=0',
        'HTTP_HOST=0.0.0.0',
        'OPAMP_PUBLIC_URL=https://opamp.example.com',
        `DATABASE_URL=${databaseUrl}`,
        `DATA_DIR=${path.join(dir, 'data')}`,
        'LOG_LEVEL=info',
      ].join('\n'),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, HTTP_PORT: '0', ADMIN_PASSWORD };
    for (const name of ['OPAMP_PORT', 'HTTP_HOST', 'OPAMP_PUBLIC_URL', 'DATABASE_URL', 'DATA_DIR', 'LOG_LEVEL']) {
      delete env[name];
    }
    const child = spawn(process.execPath, [path.resolve('dist/src/main.js')], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const deadline = Date.now() + 40_000;
      while (!output.includes('is ready')) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`no banner; exit ${child.exitCode}:\n${output}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const lines = output.split('\n').filter((l) => l.startsWith('{'));
      const banner = lines
        .map((l) => JSON.parse(l) as Record<string, unknown> & { msg?: string })
        .find((l) => l.msg?.endsWith('is ready'))!;
      const consoles = banner.console as string[];
      expect(consoles.length).toBeGreaterThan(0);
      for (const url of consoles) {
        expect(new URL(url).hostname).not.toBe('127.0.0.1');
        expect(new URL(url).hostname).not.toBe('0.0.0.0');
      }
      expect(banner.opamp).toEqual(['wss://opamp.example.com/v1/opamp']);
      expect(banner.swagger).toMatch(/\/swagger$/);
      expect(banner.admin_password).toContain('ADMIN_PASSWORD');
      expect(banner.env_file).toEqual(expect.arrayContaining(['OPAMP_PUBLIC_URL', 'DATABASE_URL']));
      expect(banner.env_file).not.toContain('HTTP_PORT');
      // Nest's per-route and per-module lines are debug now: the info log of a start is short.
      expect(output).not.toContain('Mapped {');
      expect(lines.length).toBeLessThan(15);
      // The port is the environment's (0: a free one), not the .env's 1.
      const port = new URL(consoles[0]).port;
      expect(port).not.toBe('1');
      const info = await request(`http://127.0.0.1:${port}`)
        .get('/api/v1/server-info')
        .set('Authorization', `Bearer ${await login(port)}`)
        .expect(200);
      expect(info.body).toEqual(
        expect.objectContaining({
          opamp_ws_url: 'wss://opamp.example.com/v1/opamp',
          opamp_http_url: 'https://opamp.example.com/v1/opamp',
          opamp_url_source: 'OPAMP_PUBLIC_URL',
        }),
      );
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

async function login(port: string): Promise<string> {
  const response = await request(`http://127.0.0.1:${port}`)
    .post('/api/v1/auth/login')
    .send({ username: 'admin', password: ADMIN_PASSWORD })
    .expect(200);
  return (response.body as { token: string }).token;
}
