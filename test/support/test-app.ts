import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestDatabase } from './database.js';

export const ADMIN_PASSWORD = 'test-admin-password';

export interface TestApp {
  server: RunningServer;
  config: AppConfig;
  url: string;
  /** http://127.0.0.1:PORT/v1/opamp */
  opampUrl: string;
  databaseUrl: string;
  dataDir: string;
  /** Logs in and returns a bearer token. */
  login(username?: string, password?: string): Promise<string>;
  /** Creates a user with the role and returns its token. */
  tokenFor(role: 'admin' | 'operator' | 'viewer'): Promise<string>;
  /** Requests to /api/v1 with a bearer token. */
  api(token: string): ApiClient;
  /** Creates an agent key (as admin) and returns the key agents present. */
  agentKey(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface ApiClient {
  get(path: string): request.Test;
  post(path: string, body?: object): request.Test;
  put(path: string, body: object): request.Test;
}

/** Boots the whole AppModule on its own database and data dir, on ephemeral ports. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const databaseUrl = env.DATABASE_URL ?? (await createTestDatabase());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opamp-test-data-'));
  const config = loadConfig({
    HTTP_PORT: '0',
    OPAMP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ADMIN_PASSWORD,
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    ...env,
  });
  const server = await startServer(config);
  const tokens = new Map<string, string>();
  const login = async (username = 'admin', password = ADMIN_PASSWORD): Promise<string> => {
    const response = await request(server.httpUrl).post('/api/v1/auth/login').send({ username, password }).expect(200);
    return (response.body as { token: string }).token;
  };
  const api = (token: string): ApiClient => {
    const authorized = (test: request.Test) => test.set('Authorization', `Bearer ${token}`);
    return {
      get: (path) => authorized(request(server.httpUrl).get(`/api/v1${path}`)),
      post: (path, body = {}) => authorized(request(server.httpUrl).post(`/api/v1${path}`)).send(body),
      put: (path, body) => authorized(request(server.httpUrl).put(`/api/v1${path}`)).send(body),
    };
  };
  return {
    server,
    config,
    url: server.httpUrl,
    opampUrl: server.opampUrl,
    databaseUrl,
    dataDir,
    login,
    async tokenFor(role) {
      const cached = tokens.get(role);
      if (cached) {
        return cached;
      }
      const token =
        role === 'admin'
          ? await login()
          : await (async () => {
              const username = `${role}-${Math.random().toString(36).slice(2, 8)}`;
              await request(server.httpUrl)
                .post('/api/v1/users')
                .set('Authorization', `Bearer ${await login()}`)
                .send({ username, password: 'password-123', role })
                .expect(201);
              return login(username, 'password-123');
            })();
      tokens.set(role, token);
      return token;
    },
    api,
    async agentKey(name) {
      const response = await api(await login())
        .post('/agent-keys', { name })
        .expect(201);
      return (response.body as { key: string }).key;
    },
    async close() {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
