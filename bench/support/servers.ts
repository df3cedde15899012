import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, freePorts } from '../../src/common/free-port.js';
import { sleep } from '../loadgen/loadgen.js';

const DIST_BENCH = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const MAIN_JS = path.join(path.dirname(DIST_BENCH), 'src', 'main.js');
const BASELINE_JS = path.join(DIST_BENCH, 'baseline-server.js');
const ADMIN_PASSWORD = 'bench-admin-password';

/** A server under test, as a process of its own so /proc tells its RSS and CPU. */
export interface ServerUnderTest {
  name: string;
  pid: number;
  opampUrl: string;
  key?: string;
  stop(): Promise<void>;
  /** kill -9. */
  crash(): Promise<void>;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits for exit; SIGKILL after `graceMs`. */
async function terminate(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * The command line of a server process, under `taskset -c <cpus>` when pinned. taskset execs the
 * program, so the child's pid is the server's own (its /proc figures are the server's).
 */
function command(args: string[], cpus: string | undefined): [string, string[]] {
  return cpus ? ['taskset', ['-c', cpus, process.execPath, ...args]] : [process.execPath, args];
}

export async function startBaseline(port?: number, cpus?: string): Promise<ServerUnderTest> {
  port ??= await freePort();
  const [program, args] = command([BASELINE_JS, String(port)], cpus);
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`baseline server exited with ${code}`)));
  });
  return {
    name: 'baseline',
    pid: child.pid!,
    opampUrl: `ws://127.0.0.1:${port}/v1/opamp`,
    stop: () => terminate(child, 'SIGTERM', 5000),
    crash: () => terminate(child, 'SIGKILL', 0),
  };
}

export interface OurServerOptions {
  dataDir?: string;
  httpPort?: number;
  opampPort?: number;
  env?: Record<string, string>;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
  /** Pin the server (and the PostgreSQL it starts) to these CPUs (taskset list, e.g. "0"). */
  cpus?: string;
}

/** Our platform, booted from dist/ on a temp DATA_DIR with embedded PostgreSQL. */
export class OurServer implements ServerUnderTest {
  readonly name = 'ours';
  readonly dataDir: string;
  readonly httpPort: number;
  readonly opampPort: number;
  readonly postgresPort: number;
  key?: string;
  private child?: ChildProcess;
  private token?: string;

  private constructor(
    private readonly options: OurServerOptions,
    ports: number[],
  ) {
    // Postgres runs as another OS user: every parent of its data dir must be traversable.
    this.dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'opamp-bench-'));
    fs.chmodSync(this.dataDir, 0o755);
    [this.httpPort, this.opampPort, this.postgresPort] = ports;
  }

  static async start(options: OurServerOptions = {}): Promise<OurServer> {
    const [http, opamp, postgres] = await freePorts(3);
    const server = new OurServer(options, [options.httpPort ?? http, options.opampPort ?? opamp, postgres]);
    try {
      await server.boot();
    } catch (error) {
      // A boot can lose a race for a port with other suites on this machine: one retry, loudly.
      console.error(`  our server failed to boot, retrying once: ${(error as Error).message}`);
      await server.stop();
      try {
        await server.boot();
      } catch (again) {
        await server.stop();
        server.removeDataDir();
        throw again;
      }
    }
    return server;
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }
  get apiUrl(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }
  get opampUrl(): string {
    return `ws://127.0.0.1:${this.opampPort}/v1/opamp`;
  }

  /** The server's stdout and stderr (pino logs), kept beside the raw results. */
  get logFile(): string {
    return path.resolve('bench', 'results', `server-${path.basename(this.dataDir)}.log`);
  }

  /** Starts the process (again, on the same DATA_DIR after a crash) and waits for /health. */
  async boot(timeoutMs = 120_000): Promise<number> {
    const startedAt = Date.now();
    fs.mkdirSync(path.dirname(this.logFile), { recursive: true });
    const log = fs.openSync(this.logFile, 'a');
    const [program, args] = command([...(this.options.nodeArgs ?? []), MAIN_JS], this.options.cpus);
    this.child = spawn(program, args, {
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(this.httpPort),
        OPAMP_PORT: String(this.opampPort),
        EMBEDDED_PG_PORT: String(this.postgresPort),
        DATA_DIR: this.dataDir,
        ADMIN_PASSWORD,
        // Warnings too: a failed wake-up or write under load is part of the result.
        LOG_LEVEL: 'warn',
        ...this.options.env,
      },
    });
    fs.closeSync(log);
    const child = this.child;
    while (Date.now() - startedAt < timeoutMs) {
      if (child.exitCode !== null || child.signalCode !== null) {
        const tail = fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-15).join('\n');
        throw new Error(`our server exited during boot (${child.exitCode ?? child.signalCode}); log:\n${tail}`);
      }
      const ok = await fetch(`${this.apiUrl}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) {
        return Date.now() - startedAt;
      }
      await sleep(250);
    }
    await this.stop();
    throw new Error('our server did not become healthy in time');
  }

  async api<T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T; total: number }> {
    if (!this.token && route !== '/api/v1/auth/login') {
      const login = await this.api<{ token: string }>('POST', '/api/v1/auth/login', {
        username: 'admin',
        password: ADMIN_PASSWORD,
      });
      this.token = login.body.token;
    }
    const response = await fetch(`${this.apiUrl}${route}`, {
      method,
      headers: { 'Content-Type': 'application/json', ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: (text ? JSON.parse(text) : undefined) as T,
      total: Number(response.headers.get('x-total-count') ?? NaN),
    };
  }

  /** An enrollment key, so agents go through the same auth as real ones. */
  async createKey(): Promise<string> {
    const created = await this.api<{ key: string }>('POST', '/api/v1/agent-keys', { name: `bench-${Date.now()}` });
    if (!created.body?.key) {
      throw new Error(`could not create an agent key (HTTP ${created.status})`);
    }
    this.key = created.body.key;
    return this.key;
  }

  /** Agents the API lists as online (X-Total-Count), or NaN when the endpoint is missing. */
  async onlineCount(): Promise<number> {
    const listed = await this.api<unknown>('GET', '/api/v1/agents?status=online&page_size=1');
    return listed.status === 200 ? listed.total : NaN;
  }

  /** A crash: SIGKILL leaves PostgreSQL running, as a real crash would. */
  async crash(): Promise<void> {
    if (this.child) {
      await terminate(this.child, 'SIGKILL', 0);
    }
  }

  async stop(): Promise<void> {
    if (this.child) {
      await terminate(this.child, 'SIGTERM', 30_000);
    }
    await this.stopOrphanPostgres();
  }

  /** After a SIGKILL fallback the postmaster we started may survive: stop it by its pid file. */
  private async stopOrphanPostgres(): Promise<void> {
    let pid: number;
    try {
      pid = Number(fs.readFileSync(path.join(this.dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(pid, 'SIGINT');
    } catch {
      return; // No pid file, or already gone: nothing to stop.
    }
    for (let i = 0; i < 100 && isAlive(pid); i++) {
      await sleep(100);
    }
  }

  removeDataDir(): void {
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}
