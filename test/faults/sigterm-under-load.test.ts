import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { createTestDatabase } from '../support/database.js';
import { poll, printFigures, startInstance, type FaultInstance } from './support/fault-instance.js';

const AGENTS = 300;

async function onlineAgents(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>("SELECT count(*) AS n FROM agents WHERE status = 'online'");
    return Number(result.rows[0].n);
  } finally {
    await client.end();
  }
}

describe('fault: SIGTERM under load', () => {
  let instance: FaultInstance | undefined;
  let loadgen: ChildProcess | undefined;

  afterAll(async () => {
    loadgen?.kill('SIGKILL');
    await instance?.kill();
    instance?.removeDataDir();
  });

  it(`stops cleanly with ${AGENTS} agents heartbeating every second: none left online, no message after the database closed`, async () => {
    const databaseUrl = await createTestDatabase();
    instance = await startInstance({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'info', OPAMP_HEARTBEAT_SECONDS: '5' });
    loadgen = spawn(
      process.execPath,
      [
        'dist/bench/loadgen/cli.js',
        ...['--url', instance.opampUrl.replace(/^http/, 'ws'), '--agents', String(AGENTS), '--ramp', '300'],
        ...['--heartbeat', '1', '--duration', '120', '--backoff-max-ms', '1000'],
      ],
      { stdio: 'ignore' },
    );
    await poll(`${AGENTS} agents online`, async () => (await onlineAgents(databaseUrl)) === AGENTS, 60_000, 250);
    // Under load: every agent heartbeats each second while the server stops.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const signalledAt = Date.now();
    instance.process.kill('SIGTERM');
    const code = await instance.exited(30_000);
    const stopMs = Date.now() - signalledAt;
    const online = await onlineAgents(databaseUrl);
    const log = instance.log();
    const driverErrors = (log.match(/Driver not Connected/g) ?? []).length;
    const writeErrors = (log.match(/inventory write failed|agent rows failed/g) ?? []).length;
    printFigures(`SIGTERM with ${AGENTS} WebSocket agents heartbeating every second`, [
      ['exit code', code],
      ['stop took (ms)', stopMs],
      ['agents still online in the database', online],
      ['"Driver not Connected" in the log', driverErrors],
      ['inventory write errors in the log', writeErrors],
    ]);
    expect(code).toBe(0);
    expect(online).toBe(0);
    expect(driverErrors).toBe(0);
    expect(writeErrors).toBe(0);
  });
});
