import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../../src/common/free-port.js';
import { eventually } from '../../support/eventually.js';
import pg from 'pg';

/** A parsed JSON answer, read loosely by the assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonBody = Record<string, any>;

export const ADMIN_PASSWORD = 'fault-admin-password';

/** A built server (`dist/src/main.js`) in its own process, with its log kept for assertions. */
export interface FaultInstance {
  process: ChildProcess;
  pid: number;
  url: string;
  opampUrl: string;
  dataDir: string;
  /** Everything the process wrote so far (pino JSON lines). */
  log(): string;
  token(): Promise<string>;
  /** Resolves with the exit code (or the signal's name). */
  exited(timeoutMs?: number): Promise<number | string>;
  /** SIGKILL, then wait until it is gone. The data dir stays (see removeDataDir). */
  kill(): Promise<void>;
  removeDataDir(): void;
}

/** A data dir the postgres OS user can traverse (mkdtemp makes 0700). */
export function makeDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opamp-fault-'));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** `eventually` with the awaited thing named first, as the fault tests read. */
export function poll<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  return eventually(check, { what, timeoutMs, everyMs });
}

export async function health(url: string): Promise<{ status: number; body: JsonBody }> {
  const response = await fetch(`${url}/health`);
  return { status: response.status, body: (await response.json()) as JsonBody };
}

/** Starts the server with `env` on free ports; resolves once /health answers 200. */
export async function startInstance(
  env: Record<string, string>,
  options: { dataDir?: string; healthTimeoutMs?: number } = {},
): Promise<FaultInstance> {
  const [httpPort, opampPort] = [await freePort(), await freePort()];
  const dataDir = options.dataDir ?? makeDataDir();
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: {
      ...process.env,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(httpPort),
      OPAMP_PORT: String(opampPort),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      ADMIN_PASSWORD,
      OPAMP_ALLOW_ANONYMOUS: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const url = `http://127.0.0.1:${httpPort}`;
  let token: string | undefined;
  const instance: FaultInstance = {
    process: child,
    pid: child.pid!,
    url,
    opampUrl: `http://127.0.0.1:${opampPort}/v1/opamp`,
    dataDir,
    log: () => output,
    async token() {
      if (!token) {
        const response = await fetch(`${url}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
        });
        token = ((await response.json()) as { token: string }).token;
      }
      return token;
    },
    exited: (timeoutMs = 30_000) =>
      Promise.race([
        exit,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`process ${child.pid} still running`)), timeoutMs).unref(),
        ),
      ]),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
      await exit;
    },
    removeDataDir: () => fs.rmSync(dataDir, { recursive: true, force: true }),
  };
  try {
    await poll(
      'the instance to answer /health with 200',
      async () => {
        if (child.exitCode !== null) {
          throw new Error(`instance exited with ${child.exitCode}:\n${output.slice(-3000)}`);
        }
        return (await health(url)).status === 200;
      },
      options.healthTimeoutMs ?? 60_000,
    );
  } catch (error) {
    await instance.kill();
    throw new Error(`${(error as Error).message}\n${output.slice(-3000)}`, { cause: error });
  }
  return instance;
}

/** Connections to `databaseUrl`'s database by application_name (pg_stat_activity). */
export async function connectionsByApp(databaseUrl: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'fault-suite-probe' });
  await client.connect();
  try {
    const database = new URL(databaseUrl).pathname.slice(1);
    const result = await client.query<{ app: string; n: string }>(
      `SELECT application_name AS app, count(*) AS n FROM pg_stat_activity
       WHERE datname = $1 AND pid <> pg_backend_pid() GROUP BY 1`,
      [database],
    );
    return Object.fromEntries(result.rows.map((row) => [row.app, Number(row.n)]));
  } finally {
    await client.end();
  }
}

/** RSS of a process in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

/** Prints a fault's figures as a small table on stdout (kept out of Jest's console decoration). */
export function printFigures(fault: string, rows: Array<[string, string | number]>): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  process.stdout.write(`\n[fault] ${fault}\n${lines.join('\n')}\n`);
}

export interface UploadResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: JsonBody;
}

/**
 * Uploads a generated package of `size` bytes through the multipart API; once `atBytes` of the
 * body have been sent, `hook` runs (a fault is injected) while the rest keeps streaming.
 * Resolves with the answer, or with status 0 when the connection was cut.
 */
export async function uploadPackage(
  url: string,
  token: string,
  fields: Record<string, string>,
  size: number,
  fault?: { atBytes: number; hook: () => void | Promise<void> },
): Promise<UploadResult> {
  const { streamedUpload } = await import('../../support/multipart.js');
  const upload = streamedUpload(fields, size);
  const http = await import('node:http');
  return new Promise((resolve) => {
    const request = http.request(
      `${url}/api/v1/packages`,
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': `multipart/form-data; boundary=${upload.boundary}`,
          'Content-Length': String(upload.contentLength),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let body: JsonBody;
          try {
            body = text ? (JSON.parse(text) as JsonBody) : {};
          } catch {
            body = { text };
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
        });
        response.on('error', () => resolve({ status: 0, headers: {}, body: {} }));
      },
    );
    request.on('error', () => resolve({ status: 0, headers: {}, body: {} }));
    let sent = 0;
    let fired = false;
    upload.body.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      if (!request.write(chunk)) {
        upload.body.pause();
        request.once('drain', () => upload.body.resume());
      }
      if (fault && !fired && sent >= fault.atBytes) {
        fired = true;
        upload.body.pause();
        void Promise.resolve(fault.hook()).finally(() => upload.body.resume());
      }
    });
    upload.body.on('end', () => request.end());
  });
}

export const PACKAGE_FIELDS = { name: 'fault-agent', platform: 'linux', arch: 'amd64' };
