import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createTestDatabase } from '../support/database.js';
import {
  PACKAGE_FIELDS,
  poll,
  printFigures,
  startInstance,
  uploadPackage,
  type FaultInstance,
  type JsonBody,
} from './support/fault-instance.js';

const MIB = 1024 * 1024;
const TWO_HOURS_AGO = new Date(Date.now() - 2 * 3600 * 1000);

function tempFiles(blobs: string): string[] {
  return fs.readdirSync(path.join(blobs, '.tmp'));
}

describe('fault: kill -9 mid-upload, then the reconciler', () => {
  let first: FaultInstance | undefined;
  let second: FaultInstance | undefined;

  afterAll(async () => {
    await first?.kill();
    await second?.kill();
    second?.removeDataDir();
  });

  it('removes the temp file and the orphan blob (dry run lists them first) and keeps referenced blobs', async () => {
    const databaseUrl = await createTestDatabase();
    first = await startInstance({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' });
    const blobs = path.join(first.dataDir, 'blobs');
    const token = await first.token();
    const kept = await uploadPackage(first.url, token, { ...PACKAGE_FIELDS, version: '1.0.0' }, MIB);
    expect(kept.status).toBe(201);
    const killed = await uploadPackage(first.url, token, { ...PACKAGE_FIELDS, version: '2.0.0' }, 40 * MIB, {
      atBytes: 10 * MIB,
      hook: () => first!.kill(),
    });
    const leftTemp = tempFiles(blobs);
    const tempBytes = leftTemp.reduce((sum, name) => sum + fs.statSync(path.join(blobs, '.tmp', name)).size, 0);
    // A crash between storing a file and committing its row leaves a blob nothing references.
    const orphanKey = `packages/${crypto.randomUUID()}`;
    fs.writeFileSync(path.join(blobs, orphanKey), crypto.randomBytes(MIB));
    fs.utimesSync(path.join(blobs, orphanKey), TWO_HOURS_AGO, TWO_HOURS_AGO);
    // The kept package's blob is as old: age alone must not remove it.
    const keptKey = `packages/${String(fs.readdirSync(path.join(blobs, 'packages')).find((n) => !orphanKey.endsWith(n)))}`;
    fs.utimesSync(path.join(blobs, keptKey), TWO_HOURS_AGO, TWO_HOURS_AGO);

    // The pass at start removes the orphan (old enough); the temp file is still young.
    second = await startInstance({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'info' }, { dataDir: first.dataDir });
    await poll('the orphan removed at start', () => Promise.resolve(!fs.existsSync(path.join(blobs, orphanKey))));
    expect(tempFiles(blobs)).toEqual(leftTemp);

    for (const name of leftTemp) {
      fs.utimesSync(path.join(blobs, '.tmp', name), TWO_HOURS_AGO, TWO_HOURS_AGO);
    }
    const admin = await second.token();
    const api = async (method: string, query = ''): Promise<{ status: number; body: JsonBody }> => {
      const response = await fetch(`${second!.url}/api/v1/storage/reconcile${query}`, {
        method,
        headers: { Authorization: `Bearer ${admin}` },
      });
      return { status: response.status, body: (await response.json()) as JsonBody };
    };
    const dryRun = await api('GET');
    const stillThere = tempFiles(blobs).length;
    const run = await api('POST');
    const after = await api('GET');
    const download = await fetch(`${second.url}/api/v1/packages/${kept.body.id}/download`, {
      headers: { Authorization: `Bearer ${admin}` },
    });
    const log = second.log();
    printFigures('kill -9 mid-upload (10 of 40 MiB), then the reconciler', [
      ['upload answer (server killed)', killed.status],
      ['temp files left by the crash (bytes)', `${leftTemp.length} (${tempBytes})`],
      ['orphan blob removed at start', String(!fs.existsSync(path.join(blobs, orphanKey)))],
      ['dry run lists temp files / orphans', `${dryRun.body.temp_files.length} / ${dryRun.body.orphan_blobs.length}`],
      ['temp files after the dry run', stillThere],
      ['POST removed temp files', run.body.temp_files.length],
      ['temp files after the run', tempFiles(blobs).length],
      ['referenced package still downloads', download.status],
    ]);
    expect(killed.status).toBe(0);
    expect(leftTemp.length).toBe(1);
    expect(tempBytes).toBeGreaterThan(MIB);
    expect(log).toContain('Removed an orphan blob no package references');
    expect(dryRun.status).toBe(200);
    expect(dryRun.body.dry_run).toBe(true);
    expect(dryRun.body.temp_files.map((t: JsonBody) => t.id)).toEqual(leftTemp);
    expect(dryRun.body.orphan_blobs).toEqual([]);
    expect(stillThere).toBe(1);
    expect(run.status).toBe(200);
    expect(run.body.ran).toBe(true);
    expect(tempFiles(blobs)).toEqual([]);
    expect(after.body.temp_files).toEqual([]);
    expect(log).toContain('Removed temp_file');
    expect(download.status).toBe(200);
    expect(fs.existsSync(path.join(blobs, keptKey))).toBe(true);
  });
});
