import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataStore, type Upload } from '@tus/utils';
import type { SignatureDigests } from '../signing/signature-digests.js';

interface Tracker {
  digests: SignatureDigests;
  /** Bytes hashed so far: valid only while it equals the store's offset. */
  offset: number;
  touchedAt: number;
}

/**
 * Wraps a tus store and hashes the bytes of each upload as its PATCH requests stream through,
 * so a finished upload's checksum and signature digests are known without reading it back.
 * The running hash lives in this process: after a restart, a request served by another
 * instance, or any disagreement with the store's offset, the tracker is dropped and the
 * finished file is read once instead (see PackageUploadsService.digestsOf).
 */
export class TrackingStore extends DataStore {
  private readonly trackers = new Map<string, Tracker>();

  constructor(
    private readonly inner: DataStore,
    private readonly plan: (upload: Upload) => Promise<SignatureDigests>,
    /** Removes everything an upload stored (stores' own remove may leave pieces behind). */
    private readonly discard: (id: string) => Promise<void>,
  ) {
    super();
    this.extensions = inner.extensions;
  }

  /** The digests of the whole upload when this process saw every byte of it, else undefined. */
  completeDigests(id: string, size: number): SignatureDigests | undefined {
    const tracker = this.trackers.get(id);
    return tracker && tracker.offset === size && tracker.digests.size === size ? tracker.digests : undefined;
  }

  forget(id: string): void {
    this.trackers.delete(id);
  }

  /** Drops trackers of uploads nobody wrote to since `cutoff` (abandoned or finished elsewhere). */
  forgetIdleSince(cutoff: number): void {
    for (const [id, tracker] of this.trackers) {
      if (tracker.touchedAt < cutoff) {
        this.trackers.delete(id);
      }
    }
  }

  override create(upload: Upload): Promise<Upload> {
    return this.inner.create(upload);
  }

  /** Termination: 404 (the store's FILE_NOT_FOUND) for an unknown upload, else everything goes. */
  override async remove(id: string): Promise<void> {
    this.trackers.delete(id);
    await this.inner.getUpload(id);
    await this.discard(id);
  }

  override getUpload(id: string): Promise<Upload> {
    return this.inner.getUpload(id);
  }

  override declareUploadLength(id: string, length: number): Promise<void> {
    return this.inner.declareUploadLength(id, length);
  }

  override deleteExpired(): Promise<number> {
    return this.inner.deleteExpired();
  }

  override getExpiration(): number {
    return this.inner.getExpiration();
  }

  override async write(stream: Readable, id: string, offset: number): Promise<number> {
    let tracker = this.trackers.get(id);
    if (!tracker || tracker.offset !== offset) {
      tracker =
        offset === 0
          ? { digests: await this.plan(await this.inner.getUpload(id)), offset: 0, touchedAt: Date.now() }
          : undefined;
    }
    if (!tracker) {
      this.trackers.delete(id);
      return this.inner.write(stream, id, offset);
    }
    const current = tracker;
    this.trackers.set(id, current);
    current.touchedAt = Date.now();
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        current.digests.update(chunk);
        current.offset += chunk.length;
        done(null, chunk);
      },
    });
    // A client going away errors the source; pipeline passes that on to the store through the tap.
    pipeline(stream, tap).catch(() => undefined);
    try {
      const written = await this.inner.write(tap, id, offset);
      if (written !== current.offset) {
        this.trackers.delete(id);
      }
      return written;
    } catch (error) {
      this.trackers.delete(id);
      throw error;
    }
  }
}
