import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { BLOB_STORAGE, type BlobStorage, type IncompleteWrite, type StoredObject } from '../storage/blob-storage.js';
import { PackageBlobsRepository } from './package-blobs.repository.js';

/**
 * The key prefixes the reconciler owns. Package files stored by the multipart upload live under
 * `packages/`. Anything else (e.g. the parts of resumable uploads, which expire by their own
 * rules) is left alone until it is listed here on purpose.
 */
export const RECONCILED_PREFIXES = {
  /** Objects here must be referenced by a package row, or they are orphans. */
  blobs: ['packages/'],
  /** Unfinished multipart uploads here are ours to abort (S3). */
  multipart: ['packages/'],
} as const;

/** What one pass found, and (unless dry) removed. */
export interface ReconcileReport {
  dryRun: boolean;
  /** False when another instance held the lock and this pass did nothing. */
  ran: boolean;
  startedAt: Date;
  tempFiles: IncompleteWrite[];
  multipartUploads: IncompleteWrite[];
  orphanBlobs: StoredObject[];
  errors: string[];
}

const BATCH = 500;

/**
 * Removes what crashes and outages leave behind: temp files of cut-off writes, incomplete
 * multipart uploads, and package blobs whose row never committed (or was deleted while the store
 * was down). Runs at start and then periodically on every instance; a PostgreSQL advisory lock
 * lets one of them work at a time, and every removal is idempotent anyway.
 */
@Injectable()
export class StorageReconciler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(StorageReconciler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(
    @Inject(BLOB_STORAGE) private readonly storage: BlobStorage,
    private readonly blobs: PackageBlobsRepository,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    // In the background: a slow or unreachable store must not hold up the start.
    this.schedule(0);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass. A dry run only lists; a real one removes and logs each removal. */
  async reconcile(dryRun: boolean): Promise<ReconcileReport> {
    const work = dryRun ? this.pass(true) : this.blobs.withReconcileLock(() => this.pass(false));
    const pass = work.finally(() => {
      if (this.running === pass) {
        this.running = undefined;
      }
    });
    this.running = pass;
    const report = await pass;
    return report ?? { ...emptyReport(false), ran: false };
  }

  private schedule(delayMs: number): void {
    if (this.stopped) {
      return;
    }
    this.timer = setTimeout(() => {
      this.reconcile(false)
        .catch((error: unknown) => this.logger.warn(`Storage reconcile failed: ${(error as Error).message}`))
        .finally(() => this.schedule(this.config.reconcileIntervalSeconds * 1000));
    }, delayMs);
    this.timer.unref();
  }

  private async pass(dryRun: boolean): Promise<ReconcileReport> {
    const report = emptyReport(dryRun);
    const now = report.startedAt.getTime();
    const olderThan = (date: Date, seconds: number): boolean => now - date.getTime() > seconds * 1000;
    const prefixes = new Set<string>([...RECONCILED_PREFIXES.multipart]);
    for (const prefix of prefixes) {
      await this.step(report, `listing unfinished writes under ${prefix}`, async () => {
        for await (const write of this.storage.listIncomplete(prefix)) {
          const maxAge =
            write.kind === 'temp_file'
              ? this.config.reconcileTempMaxAgeSeconds
              : this.config.reconcileMultipartMaxAgeSeconds;
          const list = write.kind === 'temp_file' ? report.tempFiles : report.multipartUploads;
          // The filesystem's temp files have no prefix: list them once.
          if (olderThan(write.startedAt, maxAge) && !list.some((w) => w.id === write.id)) {
            list.push(write);
          }
        }
      });
    }
    for (const prefix of RECONCILED_PREFIXES.blobs) {
      await this.step(report, `listing blobs under ${prefix}`, () => this.findOrphans(prefix, report, olderThan));
    }
    if (!dryRun) {
      await this.remove(report);
    }
    const total = report.tempFiles.length + report.multipartUploads.length + report.orphanBlobs.length;
    if (total > 0 || report.errors.length > 0) {
      this.logger.log(
        {
          dryRun,
          tempFiles: report.tempFiles.length,
          multipartUploads: report.multipartUploads.length,
          orphanBlobs: report.orphanBlobs.length,
          errors: report.errors.length,
        },
        `Storage reconcile ${dryRun ? 'would remove' : 'removed'} ${total} leftover(s)`,
      );
    }
    return report;
  }

  private async findOrphans(
    prefix: string,
    report: ReconcileReport,
    olderThan: (date: Date, seconds: number) => boolean,
  ): Promise<void> {
    let batch: StoredObject[] = [];
    const flush = async (): Promise<void> => {
      const referenced = await this.blobs.referenced(batch.map((o) => o.key));
      report.orphanBlobs.push(...batch.filter((o) => !referenced.has(o.key)));
      batch = [];
    };
    for await (const object of this.storage.list(prefix)) {
      // Younger blobs may belong to an upload whose row is about to commit.
      if (olderThan(object.modifiedAt, this.config.reconcileOrphanGraceSeconds)) {
        batch.push(object);
        if (batch.length >= BATCH) {
          await flush();
        }
      }
    }
    await flush();
  }

  private async remove(report: ReconcileReport): Promise<void> {
    for (const write of [...report.tempFiles, ...report.multipartUploads]) {
      await this.step(report, `removing ${write.kind} ${write.id}`, async () => {
        await this.storage.abortIncomplete(write);
        this.logger.log({ kind: write.kind, id: write.id, key: write.key, size: write.size }, `Removed ${write.kind}`);
      });
    }
    for (const blob of report.orphanBlobs) {
      await this.step(report, `removing orphan blob ${blob.key}`, async () => {
        // Checked again just before: a row may have appeared since the listing.
        if ((await this.blobs.referenced([blob.key])).size === 0) {
          await this.storage.delete(blob.key);
          this.logger.log({ key: blob.key, size: blob.size }, 'Removed an orphan blob no package references');
        }
      });
    }
  }

  private async step(report: ReconcileReport, what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      report.errors.push(`${what}: ${(error as Error).message}`);
    }
  }
}

function emptyReport(dryRun: boolean): ReconcileReport {
  return {
    dryRun,
    ran: true,
    startedAt: new Date(),
    tempFiles: [],
    multipartUploads: [],
    orphanBlobs: [],
    errors: [],
  };
}
