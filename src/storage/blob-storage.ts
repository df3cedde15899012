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
}

export const BLOB_STORAGE = Symbol('BLOB_STORAGE');
