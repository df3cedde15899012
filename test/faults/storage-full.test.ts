import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { statusForKind } from '../../src/common/http-exception.filter.js';
import type { BlobStorage } from '../../src/storage/blob-storage.js';
import { FilesystemBlobStorage } from '../../src/storage/filesystem-blob-storage.js';
import { StorageFull, toStorageError } from '../../src/storage/storage.errors.js';
import { createTestDatabase } from '../support/database.js';
import {
  health,
  makeDataDir,
  PACKAGE_FIELDS,
  printFigures,
  startInstance,
  uploadPackage,
  type FaultInstance,
} from './support/fault-instance.js';

const MIB = 1024 * 1024;

/** A tmpfs of `size` at `dir` (root only); false when mounting is not possible here. */
function mountTmpfs(dir: string, size: string): boolean {
  if (process.getuid?.() !== 0) {
    return false;
  }
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('fault: a full (and then read-only) blob volume', () => {
  let instance: FaultInstance | undefined;
  let mounted: string | undefined;

  afterAll(async () => {
    await instance?.kill();
    if (mounted) {
      execFileSync('umount', [mounted]);
    }
    instance?.removeDataDir();
  });

  it('answers 507 when the disk is full, 503 + Retry-After when it is read-only, and /health reports degraded', async () => {
    const dataDir = makeDataDir();
    const blobs = path.join(dataDir, 'blobs');
    fs.mkdirSync(blobs);
    if (!mountTmpfs(blobs, '2m')) {
      // Not root (or no mount here): the same mapping through a store that fails like a full disk.
      const full: Pick<BlobStorage, 'put'> = {
        put: () => {
          throw toStorageError(Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' }));
        },
      };
      let error: unknown;
      try {
        await full.put('packages/x', Readable.from([Buffer.alloc(10)]));
      } catch (e) {
        error = e;
      }
      printFigures('full disk (storage stub returning ENOSPC; no tmpfs mount possible here)', [
        ['status', statusForKind((error as StorageFull).kind)],
      ]);
      expect(error).toBeInstanceOf(StorageFull);
      expect(statusForKind((error as StorageFull).kind)).toBe(507);
      return;
    }
    mounted = blobs;
    instance = await startInstance({ DATABASE_URL: await createTestDatabase(), LOG_LEVEL: 'warn' }, { dataDir });
    const token = await instance.token();
    const healthBefore = await health(instance.url);

    const tooBig = await uploadPackage(instance.url, token, { ...PACKAGE_FIELDS, version: '1.0.0' }, 3 * MIB);
    const tempLeft = fs.readdirSync(path.join(blobs, '.tmp')).length;
    const fits = await uploadPackage(instance.url, token, { ...PACKAGE_FIELDS, version: '1.0.1' }, 256 * 1024);

    // Fill the volume to under 5% free: /health must warn before uploads start failing.
    const filler = path.join(blobs, 'filler');
    const free = new FilesystemBlobStorage(blobs);
    const space = await free.space();
    fs.writeFileSync(filler, Buffer.alloc(space.freeBytes - 50 * 1024));
    const healthFull = await health(instance.url);
    fs.rmSync(filler);

    execFileSync('mount', ['-o', 'remount,ro', blobs]);
    const readOnly = await uploadPackage(instance.url, token, { ...PACKAGE_FIELDS, version: '1.0.2' }, 256 * 1024);
    execFileSync('mount', ['-o', 'remount,rw', blobs]);

    printFigures('full disk (tmpfs of 2 MiB mounted on DATA_DIR/blobs)', [
      ['3 MiB upload: status / message', `${tooBig.status} / ${tooBig.body.message}`],
      ['temp files left after it', tempLeft],
      ['256 KiB upload afterwards', fits.status],
      [
        '/health before / nearly full',
        `${healthBefore.body.status} / ${healthFull.body.status} (HTTP ${healthFull.status})`,
      ],
      [
        'free bytes / min free bytes when nearly full',
        `${healthFull.body.storage.free_bytes} / ${healthFull.body.storage.min_free_bytes}`,
      ],
      ['read-only volume: status / Retry-After', `${readOnly.status} / ${String(readOnly.headers['retry-after'])}`],
      ['read-only volume: message', readOnly.body.message],
    ]);
    expect(tooBig.status).toBe(507);
    expect(tooBig.body.message).toMatch(/full/);
    expect(JSON.stringify(tooBig.body)).not.toContain(dataDir);
    expect(tempLeft).toBe(0);
    expect(fits.status).toBe(201);
    expect(healthBefore.body.status).toBe('ok');
    expect(healthFull.body.status).toBe('degraded');
    expect(healthFull.body.storage.low_space).toBe(true);
    expect(readOnly.status).toBe(503);
    expect(readOnly.headers['retry-after']).toBe('30');
    expect(readOnly.body.message).toMatch(/read-only/);
    expect(JSON.stringify(readOnly.body)).not.toContain(dataDir);
  });
});
