import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Readable } from 'node:stream';
import type { Page } from '../common/pagination.js';
import { BLOB_STORAGE, type BlobStorage, type ByteRange } from '../storage/blob-storage.js';
import { etagMatches, parseRange } from './byte-range.js';
import type { PackageEntity } from './package.entity.js';
import type { StoredPackageFile } from './package-upload.storage.js';
import { safeFileName } from './package-rules.js';
import {
  InvalidPackageUpload,
  PackageAlreadyExists,
  PackageChecksumMismatch,
  PackageFileMissing,
  PackageNotFound,
} from './packages.errors.js';
import { DuplicatePackage, PackagesRepository, type PackageFilter, type StorageTotals } from './packages.repository.js';
import { PackageWakeups } from './package-wakeups.js';
import { semverSortKey } from './semver-sort-key.js';
import { PackageSignatures } from './signing/package-signatures.js';
import { SignatureDigests } from './signing/signature-digests.js';

export interface NewPackageFields {
  name: string;
  version: string;
  platform: string;
  arch: string;
  description?: string;
  checksum?: string;
  /** Base64 text, when the signature came as a field rather than a file part. */
  signature?: string;
}

export interface DownloadRequest {
  range?: string;
  ifNoneMatch?: string;
  ifRange?: string;
}

/** How to answer a download: the status, and for 200/206 a way to open the bytes. */
export interface DownloadPlan {
  pkg: PackageEntity;
  etag: string;
  status: 200 | 206 | 304 | 416;
  range?: ByteRange;
  /** True when sending this response delivers the file's last byte (see recordDownload). */
  completesFile: boolean;
  open(): Promise<Readable>;
}

const MAX_ID = 2_147_483_647;

@Injectable()
export class PackagesService {
  private readonly logger = new Logger(PackagesService.name);

  constructor(
    private readonly packages: PackagesRepository,
    @Inject(BLOB_STORAGE) private readonly storage: BlobStorage,
    private readonly wakeups: PackageWakeups,
    private readonly signatures: PackageSignatures,
  ) {}

  /**
   * Registers an uploaded file whose bytes are already in storage. Every failure here deletes
   * the blob, so a refused upload leaves nothing behind; the package is visible once its row commits.
   */
  async create(
    fields: NewPackageFields,
    file: StoredPackageFile | undefined,
    signatureFile: StoredPackageFile | undefined,
    createdBy: string | null,
  ): Promise<PackageEntity> {
    if (!file?.storageKey || !file.sha256) {
      throw new InvalidPackageUpload('file is required (a multipart file part named "file")');
    }
    try {
      return await this.register(
        fields,
        { ...file, storageKey: file.storageKey, sha256: file.sha256 },
        signatureFile,
        createdBy,
      );
    } catch (error) {
      await this.storage.delete(file.storageKey).catch((deleteError: unknown) => {
        this.logger.error({ err: deleteError, key: file.storageKey }, 'Could not delete the blob of a refused upload');
      });
      throw error;
    }
  }

  /**
   * Signs a stored package after the fact: the signature is checked against the stored file (read
   * once) and replaces the previous one. Under PACKAGE_SIGNATURE_POLICY=require a signature that
   * does not check out is refused and the package keeps what it had.
   */
  async sign(id: number, signature: Buffer): Promise<PackageEntity> {
    const pkg = await this.get(id);
    if (signature.length === 0) {
      throw new InvalidPackageUpload('signature must not be empty');
    }
    const check = await this.signatures.judge(signature, SignatureDigests.checksumOnly(), () => this.open(pkg));
    const updated = await this.packages.updateSignature(id, {
      signature,
      signatureStatus: check.status,
      signerFingerprint: check.signerFingerprint,
      signatureCheckedAt: new Date(),
    });
    if (!updated) {
      throw new PackageNotFound(String(id));
    }
    return updated;
  }

  async list(filter: PackageFilter, offset: number, limit: number): Promise<Page<PackageEntity>> {
    const [items, total] = await this.packages.list(filter, offset, limit);
    return { items, total };
  }

  async get(id: number): Promise<PackageEntity> {
    // Ids are PostgreSQL integers: anything outside cannot exist (and would fail the query).
    const pkg = id >= 1 && id <= MAX_ID ? await this.packages.findById(id) : null;
    if (!pkg) {
      throw new PackageNotFound(String(id));
    }
    return pkg;
  }

  async latest(filter: PackageFilter & { name: string }, includePrerelease: boolean): Promise<PackageEntity> {
    const pkg = await this.packages.findLatest(filter, includePrerelease);
    if (!pkg) {
      const target = [filter.platform, filter.arch].filter(Boolean).join('/');
      throw new PackageNotFound(`"${filter.name}"${target ? ` for ${target}` : ''}`);
    }
    return pkg;
  }

  /** Removes the row first, so the package disappears at once; then its blob. */
  async delete(id: number): Promise<void> {
    const pkg = await this.get(id);
    if (!(await this.packages.delete(id))) {
      throw new PackageNotFound(String(id));
    }
    // Its assignments went with it (ON DELETE CASCADE): agents may now be due another version.
    await this.wakeups.changed(`package ${id}`);
    await this.storage.delete(pkg.storagePath).catch((error: unknown) => {
      this.logger.error({ err: error, key: pkg.storagePath }, 'Package row deleted but its blob could not be');
    });
  }

  async planDownload(id: number, request: DownloadRequest): Promise<DownloadPlan> {
    const pkg = await this.get(id);
    const etag = `"${pkg.checksum}"`;
    const plan = (status: DownloadPlan['status'], range?: ByteRange): DownloadPlan => ({
      pkg,
      etag,
      status,
      range,
      completesFile: status === 200 || (status === 206 && range?.end === pkg.fileSize - 1),
      open: () => this.open(pkg, range),
    });
    if (etagMatches(request.ifNoneMatch, etag)) {
      return plan(304);
    }
    // If-Range: a client resuming against an older file gets the whole new one instead.
    const rangeHeader = request.ifRange === undefined || request.ifRange === etag ? request.range : undefined;
    const decision = parseRange(rangeHeader, pkg.fileSize);
    switch (decision.kind) {
      case 'full':
        return plan(200);
      case 'partial':
        return plan(206, decision.range);
      case 'unsatisfiable':
        return plan(416);
    }
  }

  /** Counts a download whose response delivered the last byte of the file (README: download-count rule). */
  async recordDownload(id: number): Promise<void> {
    await this.packages.recordDownload(id).catch((error: unknown) => {
      this.logger.warn({ err: error, id }, 'Could not count a download');
    });
  }

  async stats(top: number): Promise<{ totals: StorageTotals; packages: PackageEntity[] }> {
    const [totals, packages] = await Promise.all([this.packages.totals(), this.packages.mostDownloaded(top)]);
    return { totals, packages };
  }

  private async register(
    fields: NewPackageFields,
    file: StoredPackageFile & { storageKey: string; sha256: string },
    signatureFile: StoredPackageFile | undefined,
    createdBy: string | null,
  ): Promise<PackageEntity> {
    if (fields.checksum !== undefined && fields.checksum.toLowerCase() !== file.sha256) {
      throw new PackageChecksumMismatch(fields.checksum.toLowerCase(), file.sha256);
    }
    if (signatureFile && fields.signature !== undefined) {
      throw new InvalidPackageUpload('signature: send it as a file part or as a base64 field, not both');
    }
    const given = signatureFile?.buffer ?? (fields.signature ? Buffer.from(fields.signature, 'base64') : null);
    const signature = given && given.length > 0 ? given : null;
    const check = await this.signatures.judge(signature, file.digests ?? SignatureDigests.checksumOnly(), () =>
      this.storage.get(file.storageKey),
    );
    try {
      return await this.packages.insert({
        name: fields.name,
        version: fields.version,
        versionSortKey: semverSortKey(fields.version),
        platform: fields.platform,
        arch: fields.arch,
        fileSize: file.size,
        checksum: file.sha256,
        storagePath: file.storageKey,
        fileName: safeFileName(file.originalname, fields.name),
        description: fields.description ?? '',
        signature,
        signatureStatus: check.status,
        signerFingerprint: check.signerFingerprint,
        signatureCheckedAt: check.status === 'unsigned' || check.status === 'unchecked' ? null : new Date(),
        createdBy,
      });
    } catch (error) {
      if (error instanceof DuplicatePackage) {
        throw new PackageAlreadyExists(fields.name, fields.version, fields.platform, fields.arch);
      }
      throw error;
    }
  }

  private async open(pkg: PackageEntity, range?: ByteRange): Promise<Readable> {
    try {
      return await this.storage.get(pkg.storagePath, range);
    } catch (error) {
      if (await this.storage.exists(pkg.storagePath).catch(() => true)) {
        throw error;
      }
      throw new PackageFileMissing(pkg.id);
    }
  }
}
