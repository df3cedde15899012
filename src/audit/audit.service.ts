import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AuditRepository, type AuditFilter, type AuditRecord } from './audit.repository.js';

const PRUNE_EVERY_MS = 3_600_000;

/** Reads of the audit log, and its retention: records older than AUDIT_RETENTION_DAYS are deleted hourly. */
@Injectable()
export class AuditService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Audit');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly audit: AuditRepository,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    // Safe on every instance at once: the delete is idempotent.
    this.timer = setInterval(() => void this.pruneSafely(), PRUNE_EVERY_MS).unref();
    void this.pruneSafely();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  list(filter: AuditFilter, offset: number, limit: number): Promise<{ items: AuditRecord[]; total: number }> {
    return this.audit.list(filter, offset, limit);
  }

  async prune(): Promise<number> {
    return this.audit.prune(this.config.auditRetentionDays);
  }

  private async pruneSafely(): Promise<void> {
    try {
      const removed = await this.prune();
      if (removed > 0) {
        this.logger.log(`Removed ${removed} audit records older than ${this.config.auditRetentionDays} days`);
      }
    } catch (error) {
      this.logger.warn(`Audit retention sweep failed: ${(error as Error).message}`);
    }
  }
}
