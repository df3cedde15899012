import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiEndpoint } from '../auth/api-endpoint.decorator.js';
import { setPageHeaders } from '../common/pagination.js';
import { AgentsService } from './agents.service.js';
import {
  AgentDetail,
  AgentListQuery,
  AgentStatsResponse,
  AgentSummary,
  SetLabelsRequest,
  toAgentDetail,
  toAgentSummary,
} from './dto/agent.dto.js';
import { ParseInstanceUidPipe } from './instance-uid.pipe.js';
import { parseSelector } from './selector.js';

@ApiTags('agents')
@Controller('api/v1/agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Get()
  @ApiEndpoint({ summary: 'List agents: filter by status, label selector and text; paginated and sortable' })
  @ApiOkResponse({ type: [AgentSummary] })
  async list(@Query() query: AgentListQuery, @Res({ passthrough: true }) response: Response): Promise<AgentSummary[]> {
    const page = await this.agents.list({
      status: query.status,
      drift: query.drift,
      selector: parseSelector(query.selector),
      text: query.q,
      sort: query.sort,
      order: query.order === 'asc' ? 'ASC' : 'DESC',
      offset: query.offset,
      limit: query.page_size,
    });
    setPageHeaders(response, query, page.total);
    return page.items.map(toAgentSummary);
  }

  @Get('stats')
  @ApiEndpoint({ summary: 'Agent counts by status, version and health' })
  @ApiOkResponse({ type: AgentStatsResponse })
  stats(): Promise<AgentStatsResponse> {
    return this.agents.stats();
  }

  @Get(':id')
  @ApiEndpoint({ summary: 'Everything known about one agent', errors: { 404: 'No such agent' } })
  @ApiOkResponse({ type: AgentDetail })
  async get(@Param('id', ParseInstanceUidPipe) id: string): Promise<AgentDetail> {
    const [agent, extensions] = await Promise.all([this.agents.get(id), this.agents.extensions(id)]);
    return { ...toAgentDetail(agent), ...extensions };
  }

  @Put(':id/labels')
  @ApiEndpoint({ summary: "Replace an agent's server-side labels", role: 'operator', errors: { 404: 'No such agent' } })
  @ApiOkResponse({ type: AgentDetail })
  async setLabels(@Param('id', ParseInstanceUidPipe) id: string, @Body() body: SetLabelsRequest): Promise<AgentDetail> {
    return toAgentDetail(await this.agents.setLabels(id, body.labels));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Forgotten' })
  @ApiEndpoint({
    summary: 'Forget an offline agent',
    role: 'admin',
    errors: { 404: 'No such agent', 409: 'Agent is online' },
  })
  async delete(@Param('id', ParseInstanceUidPipe) id: string): Promise<void> {
    await this.agents.delete(id);
  }

  @Post(':id/restart')
  @HttpCode(202)
  @ApiAcceptedResponse({
    description: 'The command is on its way to the agent',
    schema: { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] },
  })
  @ApiEndpoint({
    summary: 'Send the agent a Restart command',
    role: 'operator',
    errors: { 404: 'No such agent', 409: 'Offline, or it does not accept restart commands' },
  })
  async restart(@Param('id', ParseInstanceUidPipe) id: string): Promise<{ status: string }> {
    await this.agents.restart(id);
    return { status: 'sent' };
  }
}
