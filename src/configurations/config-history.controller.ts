import { Controller, Get, Param, ParseIntPipe, ParseUUIDPipe, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiEndpoint } from '../auth/api-endpoint.decorator.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import type { AuthenticatedUser } from '../auth/roles.js';
import { ViewerRedaction } from './viewer-redaction.js';
import { PageQuery, setPageHeaders } from '../common/pagination.js';
import { ApplyHistoryService } from './apply-history.service.js';
import { ConfigAssignmentService } from './config-assignment.service.js';
import { ConfigHistoryService } from '../config-history/config-history.service.js';
import { ConfigurationsService } from './configurations.service.js';
import {
  AgentAssignmentResponse,
  ApplyRecordResponse,
  ConfigurationApplyHistoryQuery,
  ConfigurationApplySummaryResponse,
  PushSummaryResponse,
  toAgentAssignmentResponse,
  toApplyRecordResponse,
  toApplySummaryResponse,
} from './dto/apply.dto.js';
import {
  ConfigurationVersionResponse,
  DiffQuery,
  DiffResponse,
  toDiffResponse,
  toVersionResponse,
} from './dto/history.dto.js';

/** Read-only views of a configuration: versions, diffs, assigned agents and apply history. */
@ApiTags('configurations')
@Controller('api/v1/configurations/:name')
export class ConfigHistoryController {
  constructor(
    private readonly history: ConfigHistoryService,
    private readonly configurations: ConfigurationsService,
    private readonly assignments: ConfigAssignmentService,
    private readonly applies: ApplyHistoryService,
    private readonly redaction: ViewerRedaction,
  ) {}

  /** Viewers read version bodies with their secrets redacted. */
  private versionFor(user: AuthenticatedUser, response: ConfigurationVersionResponse): ConfigurationVersionResponse {
    return { ...response, raw_config: this.redaction.body(user, response.raw_config, response.content_type) };
  }

  @Get('history')
  @ApiEndpoint({ summary: 'Versions of a configuration, newest first', errors: { 404: 'No such configuration' } })
  @ApiOkResponse({ type: [ConfigurationVersionResponse] })
  async list(
    @Param('name') name: string,
    @Query() query: PageQuery,
    @Res({ passthrough: true }) response: Response,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<ConfigurationVersionResponse[]> {
    const configuration = await this.configurations.latestByName(name);
    const page = await this.history.list(configuration.id, query.offset, query.page_size);
    setPageHeaders(response, query, page.total);
    return page.items.map((v) => this.versionFor(user, toVersionResponse(v)));
  }

  @Get('history/:version')
  @ApiEndpoint({ summary: 'One version of a configuration', errors: { 404: 'No such configuration or version' } })
  @ApiOkResponse({ type: ConfigurationVersionResponse })
  async version(
    @Param('name') name: string,
    @Param('version', ParseIntPipe) version: number,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<ConfigurationVersionResponse> {
    const configuration = await this.configurations.latestByName(name);
    return this.versionFor(user, toVersionResponse(await this.history.require(configuration, version)));
  }

  @Get('diff')
  @ApiEndpoint({
    summary: 'Unified diff of raw_config and the selector change between two versions',
    errors: { 404: 'No such configuration or version' },
  })
  @ApiOkResponse({ type: DiffResponse })
  async diff(
    @Param('name') name: string,
    @Query() query: DiffQuery,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<DiffResponse> {
    const configuration = await this.configurations.latestByName(name);
    return toDiffResponse(await this.history.diff(configuration, query.from, query.to, this.redaction.transform(user)));
  }

  @Get('agents')
  @ApiEndpoint({
    summary: 'Agents assigned this configuration and their apply state',
    errors: { 404: 'No such configuration' },
  })
  @ApiOkResponse({ type: [AgentAssignmentResponse] })
  async agents(
    @Param('name') name: string,
    @Query() query: PageQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AgentAssignmentResponse[]> {
    const page = await this.assignments.listAgents(name, query.offset, query.page_size);
    setPageHeaders(response, query, page.total);
    return page.items.map(toAgentAssignmentResponse);
  }

  @Get('apply-history')
  @ApiEndpoint({ summary: 'Apply history of a configuration, newest first', errors: { 404: 'No such configuration' } })
  @ApiOkResponse({ type: [ApplyRecordResponse] })
  async applyHistory(
    @Param('name') name: string,
    @Query() query: ConfigurationApplyHistoryQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ApplyRecordResponse[]> {
    const page = await this.applies.listForConfiguration(
      name,
      { status: query.status, version: query.version, instanceUid: query.agent_id, pushId: query.push_id },
      query.offset,
      query.page_size,
    );
    setPageHeaders(response, query, page.total);
    return page.items.map(toApplyRecordResponse);
  }

  @Get('apply-summary')
  @ApiEndpoint({
    summary: "Agents per apply state for the current version (each agent's newest offer)",
    errors: { 404: 'No such configuration' },
  })
  @ApiOkResponse({ type: ConfigurationApplySummaryResponse })
  async applySummary(@Param('name') name: string): Promise<ConfigurationApplySummaryResponse> {
    const summary = await this.applies.summaryForConfiguration(name);
    return { version: summary.version, ...toApplySummaryResponse(summary) };
  }

  @Get('push/:pushId')
  @ApiEndpoint({ summary: 'Agents per apply state for one push', errors: { 404: 'No such configuration or push' } })
  @ApiOkResponse({ type: PushSummaryResponse })
  async push(
    @Param('name') name: string,
    @Param('pushId', ParseUUIDPipe) pushId: string,
  ): Promise<PushSummaryResponse> {
    const summary = await this.applies.summaryForPush(name, pushId);
    const push = summary.push;
    return {
      push_id: pushId,
      version: push?.version ?? null,
      targeted: push?.targeted ?? null,
      sent: push?.sent ?? null,
      forwarded: push?.forwarded ?? null,
      skipped: push?.skipped ?? null,
      error: push?.error ?? null,
      created_at: push?.createdAt.toISOString() ?? null,
      ...toApplySummaryResponse(summary),
    };
  }
}
