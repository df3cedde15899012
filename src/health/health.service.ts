import { Inject, Injectable, Optional } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { EMBEDDED_POSTGRES_STATUS, type EmbeddedStatusSource } from '../database/database.module.js';
import { PgNotifications } from '../database/pg-notifications.js';
import { BLOB_STORAGE, type BlobStorage } from '../storage/blob-storage.js';
import type { ComponentHealth, HealthResponse } from './dto/health.dto.js';
import { HealthRepository } from './health.repository.js';

const CHECK_TIMEOUT_MS = 3000;
const GIB = 1024 ** 3;

async function probe(check: () => Promise<unknown>): Promise<ComponentHealth> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { status: 'up' };
  } catch (error) {
    return { status: 'down', error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** What /health reports, and whether it is a 503 (`down`). */
@Injectable()
export class HealthService {
  constructor(
    private readonly repository: HealthRepository,
    @Inject(BLOB_STORAGE) private readonly storage: BlobStorage,
    private readonly notifications: PgNotifications,
    private readonly config: AppConfig,
    @Optional() @Inject(EMBEDDED_POSTGRES_STATUS) private readonly embedded: EmbeddedStatusSource | null,
  ) {}

  /**
   * Down when the database or the store is down. `degraded` when the service still works but an
   * operator should act: the blob volume is nearly full, the notification connection is down, or
   * the embedded PostgreSQL is being restarted.
   */
  async check(): Promise<{ down: boolean; body: HealthResponse }> {
    const [database, storage, space] = await Promise.all([
      probe(() => this.repository.ping()),
      probe(() => this.storage.check()),
      this.storage.space().catch(() => undefined),
    ]);
    const embedded = this.embedded?.();
    const minFree = space && (this.config.storageMinFreeBytes ?? Math.min(GIB, Math.floor(space.totalBytes * 0.05)));
    const lowSpace = space !== undefined && minFree !== undefined && space.freeBytes < minFree;
    const notifications = this.notifications.connected ? 'up' : 'down';
    const down = database.status !== 'up' || storage.status !== 'up';
    const degraded = down || lowSpace || notifications === 'down' || (embedded && embedded.state !== 'running');
    return {
      down,
      body: {
        status: degraded ? 'degraded' : 'ok',
        uptime_seconds: Math.round(process.uptime()),
        database: { ...database, notifications, ...(embedded ? { embedded } : {}) },
        storage: {
          ...storage,
          driver: this.storage.driver,
          ...(space ? { free_bytes: space.freeBytes, min_free_bytes: minFree, low_space: lowSpace } : {}),
        },
      },
    };
  }
}
