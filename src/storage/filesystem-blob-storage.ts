import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStorage, ByteRange } from './blob-storage.js';

/** Blobs as files under one root; writes go to a temp file renamed into place, so readers never see halves. */
export class FilesystemBlobStorage implements BlobStorage {
  readonly driver = 'filesystem' as const;

  constructor(private readonly root: string) {
    fs.mkdirSync(path.join(root, '.tmp'), { recursive: true });
  }

  async put(key: string, body: Readable): Promise<{ size: number }> {
    const target = this.resolve(key);
    const temp = path.join(this.root, '.tmp', crypto.randomUUID());
    try {
      const out = fs.createWriteStream(temp, { flags: 'wx' });
      await pipeline(body, out);
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      await fs.promises.rename(temp, target);
      return { size: out.bytesWritten };
    } catch (error) {
      await fs.promises.rm(temp, { force: true });
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.resolve(key);
    await fs.promises.access(file, fs.constants.R_OK);
    return fs.createReadStream(file, range ? { start: range.start, end: range.end } : {});
  }

  async delete(key: string): Promise<void> {
    await fs.promises.rm(this.resolve(key), { force: true });
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

  private resolve(key: string): string {
    const target = path.resolve(this.root, key);
    if (!target.startsWith(path.resolve(this.root) + path.sep)) {
      throw new Error(`Storage key escapes the blob root: ${key}`);
    }
    return target;
  }
}
