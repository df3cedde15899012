import { Controller, Get, Inject, Optional, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { ApiEndpoint } from '../auth/api-endpoint.decorator.js';
import { AppConfig } from '../config/app-config.js';
import { EMBEDDED_POSTGRES_STATUS, type EmbeddedStatusSource } from '../database/database.module.js';
import { PgNotifications } from '../database/pg-notifications.js';
import { BLOB_STORAGE, type BlobStorage } from '../storage/blob-storage.js';

class ComponentHealth {
  @ApiProperty({ enum: ['up', 'down'] })
  status: 'up' | 'down';

  @ApiProperty({ required: false })
  error?: string;
}

class EmbeddedPostgresHealth {
  @ApiProperty({ enum: ['running', 'restarting', 'failed', 'stopped'] })
  state: string;

  @ApiProperty({ description: 'Unexpected exits of the postmaster since start, each followed by a restart' })
  restarts: number;

  @ApiProperty({ type: String, nullable: true })
  last_exit_at: string | null;

  @ApiProperty({ type: String, nullable: true })
  last_restart_at: string | null;
}

class DatabaseHealth extends ComponentHealth {
  @ApiProperty({ description: 'Whether the LISTEN connection (cluster notifications) is up' })
  notifications: 'up' | 'down';

  @ApiPropertyOptional({ type: EmbeddedPostgresHealth, description: 'Only with the embedded PostgreSQL' })
  embedded?: EmbeddedPostgresHealth;
}

class StorageHealth extends ComponentHealth {
  @ApiProperty({ enum: ['filesystem', 's3'] })
  driver: string;

  @ApiPropertyOptional({ description: 'Free bytes on the blob volume (filesystem driver)' })
  free_bytes?: number;

  @ApiPropertyOptional({ description: 'Below this, the volume counts as full (STORAGE_MIN_FREE_BYTES)' })
  min_free_bytes?: number;

  @ApiPropertyOptional({ description: 'True when free_bytes is under min_free_bytes: uploads will soon fail' })
  low_space?: boolean;
}

class HealthResponse {
  @ApiProperty({ enum: ['ok', 'degraded'] })
  status: 'ok' | 'degraded';

  @ApiProperty()
  uptime_seconds: number;

  @ApiProperty({ type: DatabaseHealth })
  database: DatabaseHealth;

  @ApiProperty({ type: StorageHealth })
  storage: StorageHealth;
}

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

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(BLOB_STORAGE) private readonly storage: BlobStorage,
    private readonly notifications: PgNotifications,
    private readonly config: AppConfig,
    @Optional() @Inject(EMBEDDED_POSTGRES_STATUS) private readonly embedded: EmbeddedStatusSource | null,
  ) {}

  /**
   * 503 when the database or the store is down. `degraded` with 200 when the service still works
   * but an operator should act: the blob volume is nearly full, the notification connection is
   * down, or the embedded PostgreSQL is being restarted.
   */
  @Get()
  @ApiEndpoint({ summary: 'Liveness with database and storage status (503 when either is down)', public: true })
  @ApiOkResponse({ type: HealthResponse })
  @ApiServiceUnavailableResponse({
    type: HealthResponse,
    description: 'The database or the storage is down (same body)',
  })
  async health(@Res({ passthrough: true }) response: Response): Promise<HealthResponse> {
    const [database, storage, space] = await Promise.all([
      probe(() => this.dataSource.query('SELECT 1')),
      probe(() => this.storage.check()),
      this.storage.space().catch(() => undefined),
    ]);
    const embedded = this.embedded?.();
    const minFree = space && (this.config.storageMinFreeBytes ?? Math.min(GIB, Math.floor(space.totalBytes * 0.05)));
    const lowSpace = space !== undefined && minFree !== undefined && space.freeBytes < minFree;
    const notifications = this.notifications.connected ? 'up' : 'down';
    const down = database.status !== 'up' || storage.status !== 'up';
    const degraded = down || lowSpace || notifications === 'down' || (embedded && embedded.state !== 'running');
    response.status(down ? 503 : 200);
    return {
      status: degraded ? 'degraded' : 'ok',
      uptime_seconds: Math.round(process.uptime()),
      database: { ...database, notifications, ...(embedded ? { embedded } : {}) },
      storage: {
        ...storage,
        driver: this.storage.driver,
        ...(space ? { free_bytes: space.freeBytes, min_free_bytes: minFree, low_space: lowSpace } : {}),
      },
    };
  }
}
