import { FileStore } from '@tus/file-store';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { storageKey } from '../../storage/storage-key.js';
import type { StoredUpload, UploadArea } from './upload-area.js';

/**
 * Resumable uploads as files in DATA_DIR/blobs/.uploads (tus FileStore: `<id>` holds the bytes,
 * `<id>.json` the upload's metadata and offset). Being under the blob root, a finished upload
 * becomes a package blob by a rename, without copying.
 */
export class FilesystemUploadArea implements UploadArea {
  readonly store: FileStore;
  private readonly directory: string;

  constructor(
    private readonly blobRoot: string,
    expiryMs: number,
  ) {
    this.directory = path.join(blobRoot, '.uploads');
    fs.mkdirSync(this.directory, { recursive: true });
    this.store = new FileStore({ directory: this.directory, expirationPeriodInMilliseconds: expiryMs });
  }

  toUrlId(id: string): string {
    return id;
  }

  fromUrlId(urlId: string): string {
    return urlId;
  }

  newId(): string {
    return crypto.randomUUID();
  }

  async read(id: string): Promise<Readable> {
    const file = this.file(id);
    await fs.promises.access(file, fs.constants.R_OK);
    return fs.createReadStream(file);
  }

  async adopt(id: string): Promise<string> {
    const key = storageKey('packages', crypto.randomUUID());
    const target = path.join(this.blobRoot, key);
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    await fs.promises.rename(this.file(id), target);
    await fs.promises.rm(`${this.file(id)}.json`, { force: true });
    return key;
  }

  async discard(id: string): Promise<void> {
    await fs.promises.rm(this.file(id), { force: true });
    await fs.promises.rm(`${this.file(id)}.json`, { force: true });
  }

  async list(): Promise<StoredUpload[]> {
    const names = await fs.promises.readdir(this.directory);
    const ids = new Set(names.map((n) => n.replace(/\.json$/, '')));
    const uploads: StoredUpload[] = [];
    for (const id of ids) {
      uploads.push({ id, createdAt: await this.createdAt(id) });
    }
    return uploads;
  }

  /** The creation date tus recorded, or the file's own time when the metadata is missing or unreadable. */
  private async createdAt(id: string): Promise<Date> {
    try {
      const info = JSON.parse(await fs.promises.readFile(`${this.file(id)}.json`, 'utf8')) as {
        creation_date?: string;
      };
      const date = new Date(info.creation_date ?? '');
      if (!Number.isNaN(date.getTime())) {
        return date;
      }
    } catch {
      // Falls through to the file's time.
    }
    const stat = await fs.promises.stat(this.file(id)).catch(() => undefined);
    return stat?.mtime ?? new Date(0);
  }

  private file(id: string): string {
    return path.join(this.directory, storageKey(id));
  }
}
