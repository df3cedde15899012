import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { ApiEndpoint } from '../auth/api-endpoint.decorator.js';
import { BLOB_STORAGE, type BlobStorage } from '../storage/blob-storage.js';

class ComponentHealth {
  @ApiProperty({ enum: ['up', 'down'] })
  status: 'up' | 'down';

  @ApiProperty({ required: false })
  error?: string;
}

class HealthResponse {
  @ApiProperty({ enum: ['ok', 'degraded'] })
  status: 'ok' | 'degraded';

  @ApiProperty()
  uptime_seconds: number;

  @ApiProperty({ type: ComponentHealth })
  database: ComponentHealth;

  @ApiProperty({ type: ComponentHealth })
  storage: ComponentHealth & { driver?: string };
}

const CHECK_TIMEOUT_MS = 3000;

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
  ) {}

  @Get()
  @ApiEndpoint({ summary: 'Liveness with database and storage status (503 when either is down)', public: true })
  @ApiOkResponse({ type: HealthResponse })
  @ApiServiceUnavailableResponse({
    type: HealthResponse,
    description: 'The database or the storage is down (same body)',
  })
  async health(@Res({ passthrough: true }) response: Response): Promise<HealthResponse> {
    const [database, storage] = await Promise.all([
      probe(() => this.dataSource.query('SELECT 1')),
      probe(() => this.storage.check()),
    ]);
    const healthy = database.status === 'up' && storage.status === 'up';
    response.status(healthy ? 200 : 503);
    return {
      status: healthy ? 'ok' : 'degraded',
      uptime_seconds: Math.round(process.uptime()),
      database,
      storage: { ...storage, driver: this.storage.driver },
    };
  }
}
