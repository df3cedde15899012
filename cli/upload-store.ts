import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { configPath } from './context-store.js';

/** An unfinished upload as tus-js-client records it (its `PreviousUpload`). */
export interface StoredUpload {
  size: number | null;
  metadata: Record<string, string>;
  creationTime: string;
  uploadUrl: string | null;
  parallelUploadUrls: string[] | null;
  urlStorageKey: string;
}

/**
 * tus-js-client's URL storage, kept in `uploads.json` beside the CLI's config (mode 0600): the
 * URL of each unfinished upload under its fingerprint, so a rerun after an interruption resumes
 * at the offset the server holds instead of sending the file again. Writes go through a temporary
 * file and a rename so a killed CLI never leaves half a file.
 */
export class UploadStore {
  constructor(private readonly file = path.join(path.dirname(configPath()), 'uploads.json')) {}

  findAllUploads(): Promise<StoredUpload[]> {
    return Promise.resolve(Object.values(this.read()));
  }

  findUploadsByFingerprint(fingerprint: string): Promise<StoredUpload[]> {
    const prefix = `tus::${fingerprint}::`;
    return Promise.resolve(
      Object.entries(this.read())
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, upload]) => ({ ...upload, urlStorageKey: key })),
    );
  }

  removeUpload(urlStorageKey: string): Promise<void> {
    const items = this.read();
    delete items[urlStorageKey];
    this.write(items);
    return Promise.resolve();
  }

  addUpload(fingerprint: string, upload: Omit<StoredUpload, 'urlStorageKey'>): Promise<string> {
    const key = `tus::${fingerprint}::${crypto.randomBytes(8).toString('hex')}`;
    const items = this.read();
    items[key] = { ...upload, urlStorageKey: key };
    this.write(items);
    return Promise.resolve(key);
  }

  private read(): Record<string, StoredUpload> {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, StoredUpload>;
    } catch {
      // Missing or damaged: nothing to resume, the upload starts afresh.
      return {};
    }
  }

  private write(items: Record<string, StoredUpload>): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(items, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}

/**
 * What identifies an upload to resume: the file (absolute path, size, modification time), the
 * server, and the package fields, so a rerun with another version never continues an upload that
 * would register the old one.
 */
export function uploadFingerprint(file: string, server: string, metadata: Record<string, string>): string {
  const stat = fs.statSync(file);
  const fields = crypto
    .createHash('sha256')
    .update(JSON.stringify(Object.entries(metadata).sort()))
    .digest('hex');
  return ['opampctl', path.resolve(file), stat.size, Math.trunc(stat.mtimeMs), server, fields.slice(0, 16)].join('|');
}
