import fs from 'node:fs';
import path from 'node:path';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import {
  connectionsByApp,
  health,
  makeDataDir,
  poll,
  printFigures,
  startInstance,
  type FaultInstance,
} from './support/fault-instance.js';

const LISTENER = 'opamp-platform-listen';
const POOL = 'opamp-platform';
const quiet = { log: () => undefined, warn: () => undefined };

function countLines(log: string, text: string): number {
  return log.split('\n').filter((line) => line.includes(text)).length;
}

/** A server killed with SIGKILL leaves its embedded postmaster running: stop it (by its pid file). */
function stopLeftPostmaster(dataDir: string | undefined): void {
  const pidFile = dataDir && path.join(dataDir, 'postgres', 'postmaster.pid');
  if (pidFile && fs.existsSync(pidFile)) {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      // already gone
    }
  }
}

/** Starts PostgreSQL on a data dir that a killed postmaster left: its backends may take a moment to go. */
async function restartPostgres(dataDir: string, port: number): Promise<EmbeddedPostgres> {
  return poll(
    'PostgreSQL to start again',
    async () => {
      const postgres = new EmbeddedPostgres({ dataDir, port, logger: quiet, maxRestarts: 0 });
      await postgres.start();
      return postgres;
    },
    30_000,
    500,
  );
}

describe('fault: PostgreSQL killed and restarted', () => {
  let instance: FaultInstance | undefined;
  let external: EmbeddedPostgres | undefined;

  afterEach(async () => {
    await instance?.kill();
    stopLeftPostmaster(instance?.dataDir);
    instance?.removeDataDir();
    await external?.stop();
    instance = undefined;
    external = undefined;
  });

  it('external PostgreSQL (DATABASE_URL): after a 10 s outage one LISTEN connection remains and /health is ok', async () => {
    const root = makeDataDir();
    const dataDir = path.join(root, 'postgres');
    external = new EmbeddedPostgres({ dataDir, port: 0, logger: quiet, maxRestarts: 0 });
    const url = await external.start();
    const port = Number(new URL(url).port);
    instance = await startInstance({ DATABASE_URL: url });
    const before = await connectionsByApp(url);
    expect(before[LISTENER]).toBe(1);

    process.kill(external.pid!, 'SIGKILL');
    const outageStart = Date.now();
    await poll('/health to notice', async () => (await health(instance!.url)).status === 503);
    await new Promise((resolve) => setTimeout(resolve, 10_000)); // the outage itself
    const attemptsDuringOutage = countLines(instance.log(), 'Notification reconnect attempt');
    external = await restartPostgres(dataDir, port);
    const outageSeconds = (Date.now() - outageStart) / 1000;

    const restoredAt = Date.now();
    await poll(
      '/health ok with the notification connection up',
      async () => {
        const { status, body } = await health(instance!.url);
        return status === 200 && body.status === 'ok' && body.database.notifications === 'up';
      },
      30_000,
    );
    const recoverySeconds = (Date.now() - restoredAt) / 1000;
    // Any leftover reconnect chain would show up within a few of its retry intervals.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const after = await connectionsByApp(url);
    const login = await fetch(`${instance.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'wrong-password-here' }),
    });
    printFigures('PostgreSQL (external, DATABASE_URL) killed -9 and restarted', [
      ['outage (s)', outageSeconds.toFixed(1)],
      ['LISTEN reconnect attempts logged during outage', attemptsDuringOutage],
      ['LISTEN connections before / after', `${before[LISTENER]} / ${after[LISTENER] ?? 0}`],
      ['pool connections before / after', `${before[POOL] ?? 0} / ${after[POOL] ?? 0}`],
      ['/health ok after restart (s)', recoverySeconds.toFixed(1)],
      ['login answer after restart', login.status],
    ]);
    expect(after[LISTENER]).toBe(1);
    expect(after[POOL] ?? 0).toBeLessThanOrEqual(20);
    expect(attemptsDuringOutage).toBeLessThan(20);
    expect(login.status).toBe(401); // the database answered: wrong password, not a 500
  });

  it('embedded PostgreSQL: a killed postmaster is restarted, /health says so; when it cannot be, the server exits 1', async () => {
    instance = await startInstance({ DATABASE_URL: '', EMBEDDED_PG_MAX_RESTARTS: '2' });
    const pgDir = path.join(instance.dataDir, 'postgres');
    const pidFile = (): string[] => fs.readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n');
    const [pid, , , port] = pidFile();
    const password = fs.readFileSync(path.join(instance.dataDir, 'postgres-password'), 'utf8').trim();
    const url = `postgres://opamp:${encodeURIComponent(password)}@127.0.0.1:${port}/opamp`;

    process.kill(Number(pid), 'SIGKILL');
    const killedAt = Date.now();
    const restarted = await poll(
      '/health ok with one restart',
      async () => {
        const { status, body } = await health(instance!.url);
        return status === 200 && body.status === 'ok' && body.database.embedded?.restarts === 1 && body;
      },
      40_000,
    );
    const recoverySeconds = (Date.now() - killedAt) / 1000;
    await poll('the LISTEN connection back', async () => (await connectionsByApp(url))[LISTENER] === 1);
    const after = await connectionsByApp(url);
    expect(restarted.database.embedded.state).toBe('running');
    expect(instance.log()).toContain('Embedded PostgreSQL restarted');

    // Now a postmaster that cannot come back: its data directory is no cluster any more.
    const [pid2] = pidFile();
    fs.renameSync(path.join(pgDir, 'PG_VERSION'), path.join(pgDir, 'PG_VERSION.moved'));
    process.kill(Number(pid2), 'SIGKILL');
    const code = await instance.exited(40_000);
    printFigures('PostgreSQL (embedded) postmaster killed -9', [
      ['restarted and /health ok after (s)', recoverySeconds.toFixed(1)],
      ['LISTEN connections after restart', after[LISTENER] ?? 0],
      ['pool connections after restart', after[POOL] ?? 0],
      ['when it cannot restart: server exit code', code],
    ]);
    expect(after[LISTENER]).toBe(1);
    expect(code).toBe(1);
    expect(instance.log()).toContain('could not be restarted');
  });
});
