import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiEndpoint } from '../auth/api-endpoint.decorator.js';
import { ConnectionSettingsService } from './connection-settings.service.js';
import {
  ConnectionSettingsResponse,
  CreateConnectionSettingsRequest,
  toConnectionSettingsResponse,
  UpdateConnectionSettingsRequest,
} from './dto/connection-settings.dto.js';

const INVALID = 'Invalid field, a header given twice, or a header without a value and none stored';

@ApiTags('connection-settings')
@Controller('api/v1/connection-settings')
export class ConnectionSettingsController {
  constructor(private readonly settings: ConnectionSettingsService) {}

  @Post()
  @ApiEndpoint({
    summary: 'Create own-telemetry connection settings for the agents a selector matches',
    role: 'operator',
    errors: { 400: INVALID, 409: 'Connection settings with this name exist' },
  })
  @ApiCreatedResponse({ type: ConnectionSettingsResponse })
  async create(@Body() body: CreateConnectionSettingsRequest): Promise<ConnectionSettingsResponse> {
    return toConnectionSettingsResponse(await this.settings.create(body));
  }

  @Get()
  @ApiEndpoint({ summary: 'List connection settings (header values redacted)' })
  @ApiOkResponse({ type: [ConnectionSettingsResponse] })
  async list(): Promise<ConnectionSettingsResponse[]> {
    return (await this.settings.list()).map(toConnectionSettingsResponse);
  }

  @Get(':name')
  @ApiEndpoint({ summary: 'Get connection settings (header values redacted)', errors: { 404: 'No such settings' } })
  @ApiOkResponse({ type: ConnectionSettingsResponse })
  async get(@Param('name') name: string): Promise<ConnectionSettingsResponse> {
    return toConnectionSettingsResponse(await this.settings.get(name));
  }

  @Put(':name')
  @ApiEndpoint({
    summary: 'Replace connection settings; matching connected agents get the change offered once',
    role: 'operator',
    errors: { 400: INVALID, 404: 'No such settings' },
  })
  @ApiOkResponse({ type: ConnectionSettingsResponse })
  async update(
    @Param('name') name: string,
    @Body() body: UpdateConnectionSettingsRequest,
  ): Promise<ConnectionSettingsResponse> {
    return toConnectionSettingsResponse(await this.settings.update({ ...body, name }));
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiEndpoint({ summary: 'Delete connection settings', role: 'operator', errors: { 404: 'No such settings' } })
  @ApiNoContentResponse()
  async delete(@Param('name') name: string): Promise<void> {
    await this.settings.delete(name);
  }
}
