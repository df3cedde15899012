import { Controller, Get, Req } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiEndpoint } from '../auth/api-endpoint.decorator.js';
import { ServerInfoResponse } from './dto/server-info.dto.js';
import { ServerInfoService } from './server-info.service.js';

@ApiTags('server')
@Controller('api/v1/server-info')
export class ServerInfoController {
  constructor(private readonly info: ServerInfoService) {}

  @Get()
  @ApiEndpoint({ summary: 'Version and the OpAMP endpoint agents should use', role: 'viewer' })
  @ApiOkResponse({ type: ServerInfoResponse })
  get(@Req() request: Request): ServerInfoResponse {
    return this.info.describe(request.hostname);
  }
}
