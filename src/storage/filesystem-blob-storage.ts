import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStorage, ByteRange, IncompleteWrite, StoredObject } from './blob-storage.js';
import { toStorageError } from './storage.errors.js';

const TEMP_DIR = '.tmp';

/** Blobs as files under one root; writes go to a temp file renamed into place, so readers never see halves. */
export class FilesystemBlobStorage implements BlobStorage {
  readonly driver = 'filesystem' as const;

  constructor(private readonly root: string) {
    fs.mkdirSync(path.join(root, TEMP_DIR), { recursive: true });
  }

  async put(key: string, body: Readable): Promise<{ size: number }> {
    const target = this.resolve(key);
    const temp = path.join(this.root, TEMP_DIR, crypto.randomUUID());
    // Only errors of our own writes are storage errors; the body's (a client going away) are the caller's.
    let writeError: unknown;
    try {
      const out = fs.createWriteStream(temp, { flags: 'wx' });
      out.once('error', (error) => {
        writeError = error;
        // Before pipeline passes the raw error upstream: whoever feeds `body` learns the cause.
        body.destroy(toStorageError(error) as Error);
      });
      await pipeline(body, out);
      try {
        await fs.promises.mkdir(path.dirname(target), { recursive: true });
        await fs.promises.rename(temp, target);
      } catch (error) {
        writeError = error;
        throw error;
      }
      return { size: out.bytesWritten };
    } catch (error) {
      await fs.promises.rm(temp, { force: true });
      throw error === writeError ? toStorageError(error) : error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.resolve(key);
    try {
      await fs.promises.access(file, fs.constants.R_OK);
    } catch (error) {
      throw (error as { code?: string }).code === 'ENOENT' ? error : toStorageError(error);
    }
    return fs.createReadStream(file, range ? { start: range.start, end: range.end } : {});
  }

  async delete(key: string): Promise<void> {
    await fs.promises.rm(this.resolve(key), { force: true }).catch((error: unknown) => {
      throw toStorageError(error);
    });
  }

  async exists(key: string): Promise<boolean> {
    return fs.promises.access(this.resolve(key)).then(
      () => true,
      () => false,
    );
  }

  async check(): Promise<void> {
    await fs.promises.access(this.root, fs.constants.W_OK);
  }

  async space(): Promise<{ freeBytes: number; totalBytes: number }> {
    const stats = await fs.promises.statfs(this.root);
    // bavail: what an unprivileged writer may still use (root's reserve does not help us).
    return { freeBytes: stats.bavail * stats.bsize, totalBytes: stats.blocks * stats.bsize };
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const start = this.resolve(prefix.replace(/\/+$/, ''));
    yield* this.walk(start);
  }

  /** Every temp file belongs to a put(): a finished one was renamed away, so what is left was cut off. */
  async *listIncomplete(): AsyncIterable<IncompleteWrite> {
    const dir = path.join(this.root, TEMP_DIR);
    const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const stats = await fs.promises.stat(path.join(dir, name)).catch(() => undefined);
      if (stats?.isFile()) {
        yield { kind: 'temp_file', id: name, size: stats.size, startedAt: stats.mtime };
      }
    }
  }

  async abortIncomplete(write: IncompleteWrite): Promise<void> {
    if (write.kind !== 'temp_file' || !/^[A-Za-z0-9._-]+$/.test(write.id)) {
      throw new Error(`Not a temp file of this store: ${write.kind} ${write.id}`);
    }
    await fs.promises.rm(path.join(this.root, TEMP_DIR, write.id), { force: true });
  }

  private async *walk(dir: string): AsyncIterable<StoredObject> {
    const entries = await fs.promises.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        yield* this.walk(full);
      } else if (entry.isFile()) {
        const stats = await fs.promises.stat(full).catch(() => undefined);
        if (stats) {
          const key = path.relative(this.root, full).split(path.sep).join('/');
          yield { key, size: stats.size, modifiedAt: stats.mtime };
        }
      }
    }
  }

  private resolve(key: string): string {
    const target = path.resolve(this.root, key);
    if (!target.startsWith(path.resolve(this.root) + path.sep)) {
      throw new Error(`Storage key escapes the blob root: ${key}`);
    }
    return target;
  }
}
