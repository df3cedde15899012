import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiEndpoint } from '../auth/api-endpoint.decorator.js';
import { FleetOverviewResponse } from './dto/overview.dto.js';
import { OverviewService } from './overview.service.js';

@ApiTags('overview')
@Controller('api/v1/overview')
export class OverviewController {
  constructor(private readonly overview: OverviewService) {}

  @Get()
  @ApiEndpoint({
    summary:
      'Fleet overview: agents online/offline over 24 h, by version, health, configuration and apply state, drift, recent failures, rollouts',
  })
  @ApiOkResponse({ type: FleetOverviewResponse })
  get(): Promise<FleetOverviewResponse> {
    return this.overview.get();
  }
}
