import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import crypto from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import type { BlobStorage } from '../storage/blob-storage.js';
import { storageKey } from '../storage/storage-key.js';
import { InvalidPackageUpload, PackageTooLarge } from './packages.errors.js';
import type { PackageSignatures } from './signing/package-signatures.js';
import type { SignatureDigests } from './signing/signature-digests.js';

/** What the storage engine adds to multer's file object. */
export interface StoredPackageFile {
  fieldname: string;
  originalname: string;
  size: number;
  /** Set for the `file` part: where the bytes now are, and their SHA-256 (hex). */
  storageKey?: string;
  sha256?: string;
  /** Set for the `file` part: the digests its signature check needs, computed on the way. */
  digests?: SignatureDigests;
  /** Set for the `signature` part, which is small and kept in the row. */
  buffer?: Buffer;
}

export const MAX_SIGNATURE_BYTES = 64 * 1024;

type Callback = (error?: unknown, info?: Partial<StoredPackageFile>) => void;

/** The base64 `signature` field, as multer has parsed it so far (undefined when absent or not base64). */
function signatureField(req: Request): Buffer | undefined {
  const value = (req.body as Record<string, unknown> | undefined)?.signature;
  return typeof value === 'string' && value !== '' ? Buffer.from(value, 'base64') : undefined;
}

/**
 * A multer storage engine that streams the `file` part straight to blob storage, hashing and
 * counting on the way, so a package is neither held in memory nor written twice. Multipart fields
 * may arrive after the file, so the blob goes to a key derived from a server-generated id, and the
 * caller validates the fields afterwards and deletes the blob when they are refused.
 *
 * A signature sent before the file (part or field) decides which digests are computed on the way;
 * one sent after it is checked against the digests OpenPGP signers use by default (see
 * SignatureDigests), so the file is read once either way.
 */
export class PackageUploadStorage implements StorageEngine {
  /** The signature part of a request still being parsed, for the file part that follows it. */
  private readonly signatureParts = new WeakMap<Request, Promise<Buffer | undefined>>();

  constructor(
    private readonly storage: BlobStorage,
    private readonly maxBytes: number,
    private readonly signatures: PackageSignatures,
  ) {}

  _handleFile(req: Request, file: Express.Multer.File, callback: Callback): void {
    let handle: Promise<Partial<StoredPackageFile>>;
    if (file.fieldname === 'signature') {
      handle = this.readSignature(file.stream);
      this.signatureParts.set(
        req,
        handle.then(
          (info) => info.buffer,
          () => undefined,
        ),
      );
    } else {
      handle = this.storeFile(req, file.stream);
    }
    handle.then(
      (info) => callback(null, info),
      (error: unknown) => callback(error),
    );
  }

  _removeFile(_req: Request, file: Express.Multer.File, callback: (error: Error | null) => void): void {
    const key = (file as Partial<StoredPackageFile>).storageKey;
    if (!key) {
      callback(null);
      return;
    }
    this.storage.delete(key).then(
      () => callback(null),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  }

  private async storeFile(req: Request, stream: Readable): Promise<Partial<StoredPackageFile>> {
    const key = storageKey('packages', crypto.randomUUID());
    const known = (await this.signatureParts.get(req)) ?? signatureField(req);
    const hash = await this.signatures.plan(known);
    let size = 0;
    const maxBytes = this.maxBytes;
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > maxBytes) {
          done(new PackageTooLarge('The file', maxBytes));
          return;
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    // Errors travel forward only. The client going away or the size limit fails `hashing`, and so put(),
    // which removes its temp file. A failing store must not destroy multer's file stream: multer would
    // answer at once, before put() has cleaned up; the rest of the part is read and dropped instead.
    stream.once('error', (error) => hashing.destroy(error));
    stream.pipe(hashing);
    try {
      await this.storage.put(key, hashing);
    } catch (error) {
      stream.unpipe(hashing);
      stream.resume();
      throw error;
    }
    if (stream.readableAborted || !stream.readableEnded) {
      await this.storage.delete(key);
      throw new InvalidPackageUpload('The upload was cut short');
    }
    return { storageKey: key, sha256: hash.sha256Hex(), digests: hash, size };
  }

  private async readSignature(stream: Readable): Promise<Partial<StoredPackageFile>> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > MAX_SIGNATURE_BYTES) {
        throw new PackageTooLarge('The signature', MAX_SIGNATURE_BYTES);
      }
      chunks.push(chunk as Buffer);
    }
    return { buffer: Buffer.concat(chunks), size };
  }
}
