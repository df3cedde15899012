import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { PageQuery, setPageHeaders } from '../common/pagination.js';
import { AgentKeysService } from './agent-keys.service.js';
import { ApiEndpoint } from './api-endpoint.decorator.js';
import { CurrentUser } from './current-user.decorator.js';
import {
  AgentKeyResponse,
  CreateAgentKeyRequest,
  CreatedAgentKeyResponse,
  toAgentKeyResponse,
} from './dto/agent-key.dto.js';
import type { AuthenticatedUser } from './roles.js';

@ApiTags('agent-keys')
@Controller('api/v1/agent-keys')
export class AgentKeysController {
  constructor(private readonly keys: AgentKeysService) {}

  @Post()
  @ApiEndpoint({ summary: 'Create an agent enrollment key (the key is shown only in this response)', role: 'admin' })
  @ApiCreatedResponse({ type: CreatedAgentKeyResponse })
  async create(
    @Body() body: CreateAgentKeyRequest,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<CreatedAgentKeyResponse> {
    const { entity, key } = await this.keys.create(body.name, user.id);
    return { id: entity.id, name: entity.name, key, prefix: entity.prefix };
  }

  @Get()
  @ApiEndpoint({ summary: 'List agent enrollment keys (never the keys themselves)', role: 'admin' })
  @ApiOkResponse({ type: [AgentKeyResponse] })
  async list(@Query() query: PageQuery, @Res({ passthrough: true }) response: Response): Promise<AgentKeyResponse[]> {
    const page = await this.keys.list(query.offset, query.page_size);
    setPageHeaders(response, query, page.total);
    return page.items.map(toAgentKeyResponse);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiEndpoint({ summary: 'Revoke an agent key', role: 'admin', errors: { 404: 'No such key' } })
  async revoke(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.keys.revoke(id);
  }
}
