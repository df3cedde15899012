import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ParseInstanceUidPipe } from '../agents/instance-uid.pipe.js';
import { ApiEndpoint } from '../auth/api-endpoint.decorator.js';
import { DriftResponse, toDriftResponse } from './drift.dto.js';
import { DriftService } from './drift.service.js';

@ApiTags('agents')
@Controller('api/v1/agents')
export class DriftController {
  constructor(private readonly drift: DriftService) {}

  @Get(':id/drift')
  @ApiEndpoint({
    summary: "How the agent's effective config differs from its desired configuration (both redacted)",
    errors: { 404: 'No such agent' },
  })
  @ApiOkResponse({ type: DriftResponse })
  async get(@Param('id', ParseInstanceUidPipe) id: string): Promise<DriftResponse> {
    return toDriftResponse(await this.drift.report(id));
  }
}
