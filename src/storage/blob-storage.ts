import type { Readable } from 'node:stream';

/** An inclusive byte range, as in an HTTP Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where package files live. Keys are built by the server (never raw user input) and are
 * slash-separated paths such as `packages/<id>/<file>`.
 */
export interface BlobStorage {
  readonly driver: 'filesystem' | 's3';
  /** Streams `body` to `key`; resolves with the bytes written. Leaves nothing behind on failure. */
  put(key: string, body: Readable): Promise<{ size: number }>;
  /** A stream of the object's bytes, or of `range` when given. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** Removes the object; succeeds when it is already gone. */
  delete(key: string): Promise<void>;
  /** True when an object exists at `key`. */
  exists(key: string): Promise<boolean>;
  /** Throws when the storage cannot be reached (used by /health). */
  check(): Promise<void>;
  /** Free and total bytes of the volume, where the driver has one (filesystem); undefined for object stores. */
  space(): Promise<{ freeBytes: number; totalBytes: number } | undefined>;
  /** Every stored object whose key starts with `prefix` (for the reconciler). */
  list(prefix: string): AsyncIterable<StoredObject>;
  /** Writes that never finished: temp files of put() (filesystem), multipart uploads under `prefix` (S3). */
  listIncomplete(prefix: string): AsyncIterable<IncompleteWrite>;
  /** Removes what an unfinished write left; succeeds when it is already gone. */
  abortIncomplete(write: IncompleteWrite): Promise<void>;
}

/** An object as listed by BlobStorage.list. */
export interface StoredObject {
  key: string;
  size: number;
  modifiedAt: Date;
}

/** Leftovers of a write that never finished (a crash, a store outage). */
export interface IncompleteWrite {
  kind: 'temp_file' | 'multipart_upload';
  /** The temp file's name, or the multipart upload's id. */
  id: string;
  /** The object key a multipart upload was for. */
  key?: string;
  size?: number;
  startedAt: Date;
}

export const BLOB_STORAGE = Symbol('BLOB_STORAGE');
