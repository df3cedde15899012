import type { DataStore } from '@tus/utils';
import type { Readable } from 'node:stream';

/** One unfinished or leftover resumable upload found by a sweep. */
export interface StoredUpload {
  id: string;
  createdAt: Date;
}

/**
 * Where resumable uploads live while they are in progress: a tus store under its own prefix
 * (`DATA_DIR/blobs/.uploads/` or the `uploads/` key prefix), apart from package blobs, plus what
 * the server does with a finished one.
 */
export interface UploadArea {
  readonly store: DataStore;
  /** tus upload id <-> the id in the upload URL (the S3 key prefix is not part of the URL). */
  toUrlId(id: string): string;
  fromUrlId(urlId: string): string;
  newId(): string;
  /** The finished upload's bytes. */
  read(id: string): Promise<Readable>;
  /** Moves a finished upload's bytes to a new package blob key and returns it; the upload is gone afterwards. */
  adopt(id: string): Promise<string>;
  /** Removes everything the upload left; succeeds when it is gone already (sweeps may race on other instances). */
  discard(id: string): Promise<void>;
  /** Every upload in the area with when it was created. */
  list(): Promise<StoredUpload[]>;
}
