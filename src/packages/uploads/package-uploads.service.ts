import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Server } from '@tus/server';
import type { Upload } from '@tus/utils';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthenticatedRequest } from '../../auth/auth.guard.js';
import { AppConfig } from '../../config/app-config.js';
import { decodeSignatureText } from '../package-rules.js';
import { InvalidPackageUpload, PackageAlreadyExists } from '../packages.errors.js';
import { PackagesRepository } from '../packages.repository.js';
import { PackagesService } from '../packages.service.js';
import { PackageSignatures } from '../signing/package-signatures.js';
import { SignatureDigests } from '../signing/signature-digests.js';
import { createUploadArea } from './create-upload-area.js';
import { packageFieldsFromMetadata } from './package-upload-fields.js';
import { TrackingStore } from './tracking-store.js';
import { toTusError } from './tus-errors.js';
import type { UploadArea } from './upload-area.js';

export const UPLOADS_PATH = '/api/v1/uploads';
const URL_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The express request behind a tus (srvx) request: it carries the user the AuthGuard authenticated. */
function nodeRequest(req: unknown): AuthenticatedRequest | undefined {
  return (req as { runtime?: { node?: { req?: AuthenticatedRequest } } }).runtime?.node?.req;
}

/**
 * Resumable package uploads (tus 1.0 with creation, termination and expiration) under
 * /api/v1/uploads. The package fields travel in Upload-Metadata; they are checked when the upload
 * is created (so a duplicate fails before any byte is sent) and again when it finishes, where the
 * upload becomes a package exactly as a multipart upload does, or is removed.
 */
@Injectable()
export class PackageUploadsService implements OnModuleDestroy {
  private readonly logger = new Logger(PackageUploadsService.name);
  private readonly area: UploadArea;
  private readonly tracking: TrackingStore;
  private readonly tus: Server;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly packages: PackagesService,
    private readonly packageRows: PackagesRepository,
    private readonly signatures: PackageSignatures,
  ) {
    this.area = createUploadArea(config);
    this.tracking = new TrackingStore(
      this.area.store,
      (upload) => this.planDigests(upload),
      (id) => this.area.discard(id),
    );
    this.tus = new Server({
      path: UPLOADS_PATH,
      datastore: this.tracking,
      maxSize: config.packageMaxBytes,
      relativeLocation: true,
      namingFunction: () => this.area.newId(),
      generateUrl: (_req, { path, id }) => `${path}/${this.area.toUrlId(id)}`,
      getFileIdFromRequest: (_req, lastPath) =>
        lastPath && URL_ID.test(lastPath) ? this.area.fromUrlId(lastPath) : undefined,
      onUploadCreate: async (req, upload) => this.onCreate(req, upload),
      onUploadFinish: async (req, upload) => this.onFinish(req, upload),
    });
    this.sweeper = setInterval(() => void this.sweep(), this.sweepIntervalMs());
    this.sweeper.unref();
  }

  /** Serves one tus request (the controller has authenticated and authorised it). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return this.tus.handle(req, res);
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  /**
   * Removes uploads created more than UPLOAD_EXPIRY_HOURS ago, finished or not. Every instance
   * runs it; removal is idempotent, so instances sweeping together only repeat each other's work.
   */
  async sweep(now = Date.now()): Promise<number> {
    const cutoff = now - this.expiryMs();
    try {
      const expired = (await this.area.list()).filter((u) => u.createdAt.getTime() < cutoff);
      for (const upload of expired) {
        this.tracking.forget(upload.id);
        await this.area.discard(upload.id);
      }
      this.tracking.forgetIdleSince(cutoff);
      if (expired.length > 0) {
        this.logger.log({ count: expired.length }, 'Removed expired resumable uploads');
      }
      return expired.length;
    } catch (error) {
      this.logger.warn({ err: error }, 'Sweeping expired resumable uploads failed; the next sweep retries');
      return 0;
    }
  }

  private async onCreate(req: unknown, upload: Upload): Promise<{ metadata: Record<string, string | null> }> {
    const request = nodeRequest(req);
    try {
      if (upload.size === undefined) {
        throw new InvalidPackageUpload('Upload-Length is required (deferred lengths are not supported)');
      }
      const fields = await packageFieldsFromMetadata(upload.metadata);
      this.signatureOf(upload);
      const { name, version, platform, arch } = fields;
      if ((await this.packageRows.findByNameAndVersion({ name, version, platform, arch })).length > 0) {
        throw new PackageAlreadyExists(name, version, platform, arch);
      }
      // Recorded at creation so the package is attributed to whoever started the upload.
      return { metadata: { ...upload.metadata, created_by: request?.user?.id ?? null } };
    } catch (error) {
      throw toTusError(error, request);
    }
  }

  private async onFinish(req: unknown, upload: Upload): Promise<{ headers: Record<string, string> }> {
    const request = nodeRequest(req);
    let adopted = false;
    try {
      const fields = await packageFieldsFromMetadata(upload.metadata);
      const size = upload.size ?? upload.offset;
      const digests = await this.digestsOf(upload, size);
      const key = await this.area.adopt(upload.id);
      adopted = true;
      this.tracking.forget(upload.id);
      const file = { fieldname: 'file', originalname: upload.metadata?.filename ?? '', size };
      const signature = this.signatureOf(upload);
      // create() deletes the blob when the package is refused (duplicate, checksum, signature policy).
      const pkg = await this.packages.create(
        { ...fields, signature: undefined },
        { ...file, storageKey: key, sha256: digests.sha256Hex(), digests },
        signature
          ? { fieldname: 'signature', originalname: 'signature', size: signature.length, buffer: signature }
          : undefined,
        upload.metadata?.created_by ?? null,
      );
      return { headers: { 'Upload-Package-Id': String(pkg.id) } };
    } catch (error) {
      if (!adopted) {
        await this.area.discard(upload.id).catch((discardError: unknown) => {
          this.logger.error({ err: discardError, upload: upload.id }, 'Could not remove a refused upload');
        });
      }
      this.tracking.forget(upload.id);
      throw toTusError(error, request);
    }
  }

  /** The finished upload's digests: from its PATCH requests when this process saw them all, else one read. */
  private async digestsOf(upload: Upload, size: number): Promise<SignatureDigests> {
    const streamed = this.tracking.completeDigests(upload.id, size);
    if (streamed) {
      return streamed;
    }
    const digests = await this.planDigests(upload);
    for await (const chunk of await this.area.read(upload.id)) {
      digests.update(chunk as Buffer);
    }
    return digests;
  }

  private planDigests(upload: Upload): Promise<SignatureDigests> {
    return this.signatures.plan(this.signatureOfSafely(upload) ?? null);
  }

  private signatureOfSafely(upload: Upload): Buffer | undefined {
    try {
      return this.signatureOf(upload);
    } catch {
      return undefined;
    }
  }

  /** The `signature` metadata: armored text or base64 of the binary signature. */
  private signatureOf(upload: Upload): Buffer | undefined {
    const text = upload.metadata?.signature;
    if (!text) {
      return undefined;
    }
    const signature = decodeSignatureText(text);
    if (!signature) {
      throw new InvalidPackageUpload('signature must be armored text or base64 (Upload-Metadata "signature")');
    }
    return signature;
  }

  private expiryMs(): number {
    return this.config.uploadExpiryHours * 3_600_000;
  }

  /** A quarter of the expiry, between 1 s and 15 min: leftovers go soon after they expire. */
  private sweepIntervalMs(): number {
    return Math.min(15 * 60_000, Math.max(1000, this.expiryMs() / 4));
  }
}
