import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiEndpoint } from '../auth/api-endpoint.decorator.js';
import { HealthResponse } from './dto/health.dto.js';
import { HealthService } from './health.service.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly service: HealthService) {}

  /** 503 when the database or the store is down; `degraded` with 200 when an operator should act. */
  @Get()
  @ApiEndpoint({ summary: 'Liveness with database and storage status (503 when either is down)', public: true })
  @ApiOkResponse({ type: HealthResponse })
  @ApiServiceUnavailableResponse({
    type: HealthResponse,
    description: 'The database or the storage is down (same body)',
  })
  async health(@Res({ passthrough: true }) response: Response): Promise<HealthResponse> {
    const { down, body } = await this.service.check();
    response.status(down ? 503 : 200);
    return body;
  }
}
