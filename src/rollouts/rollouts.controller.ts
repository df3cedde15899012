import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiEndpoint } from '../auth/api-endpoint.decorator.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import type { AuthenticatedUser } from '../auth/roles.js';
import { setPageHeaders } from '../common/pagination.js';
import {
  CreateRolloutRequest,
  ListRolloutsQuery,
  RolloutAgentResponse,
  RolloutAgentsQuery,
  RolloutDetailResponse,
  RolloutResponse,
  toRolloutAgentResponse,
  toRolloutDetailResponse,
  toRolloutResponse,
} from './dto/rollout.dto.js';
import { PackageRolloutsService } from './package-rollouts.service.js';
import { RolloutInvalid } from './rollouts.errors.js';
import { RolloutsService } from './rollouts.service.js';

const STATE_ERRORS = { 404: 'No such rollout', 409: 'Not possible in the rollout’s current status' };

@ApiTags('rollouts')
@Controller('api/v1/rollouts')
export class RolloutsController {
  constructor(
    private readonly rollouts: RolloutsService,
    private readonly packageRollouts: PackageRolloutsService,
  ) {}

  @Post()
  @ApiEndpoint({
    summary:
      'Roll a configuration version, or the package version of a held package assignment, out in stages, ' +
      'gated on the updated agents’ health',
    role: 'operator',
    errors: {
      400: 'Invalid plan, gates or numbers; both or neither of configuration and package_assignment',
      404: 'No such configuration, version or package assignment',
      409:
        'The configuration or assignment has an active rollout, the version is already released, ' +
        'or the assignment is not held',
    },
  })
  @ApiCreatedResponse({ type: RolloutResponse })
  async create(@Body() body: CreateRolloutRequest, @CurrentUser() user: AuthenticatedUser): Promise<RolloutResponse> {
    const { configuration, package_assignment: assignment, ...policy } = body;
    if (assignment === undefined) {
      return toRolloutResponse(await this.rollouts.create({ ...policy, configuration: configuration! }, user.username));
    }
    if (configuration !== undefined || policy.version !== undefined) {
      throw new RolloutInvalid('give either configuration (and version) or package_assignment, not both');
    }
    return toRolloutResponse(
      await this.packageRollouts.create({ ...policy, package_assignment: assignment }, user.username),
    );
  }

  @Get()
  @ApiEndpoint({ summary: 'Rollouts, newest first', errors: { 404: 'No such configuration' } })
  @ApiOkResponse({ type: [RolloutResponse] })
  async list(
    @Query() query: ListRolloutsQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<RolloutResponse[]> {
    const page = await this.rollouts.list(query, query.offset, query.page_size);
    setPageHeaders(response, query, page.total);
    return page.items.map(toRolloutResponse);
  }

  @Get(':id')
  @ApiEndpoint({
    summary: 'A rollout with its stages: counts per state and gate results',
    errors: { 404: 'No such rollout' },
  })
  @ApiOkResponse({ type: RolloutDetailResponse })
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<RolloutDetailResponse> {
    const { rollout, stages, pinnedAgents } = await this.rollouts.get(id);
    return { ...toRolloutDetailResponse(rollout, stages), pinned_agents: pinnedAgents };
  }

  @Get(':id/agents')
  @ApiEndpoint({
    summary: 'The agents of a rollout and their states, in rollout order',
    errors: { 404: 'No such rollout' },
  })
  @ApiOkResponse({ type: [RolloutAgentResponse] })
  async agents(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: RolloutAgentsQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<RolloutAgentResponse[]> {
    const stage = query.stage === undefined ? undefined : query.stage - 1;
    const page = await this.rollouts.agents(id, { stage, state: query.state }, query.offset, query.page_size);
    setPageHeaders(response, query, page.total);
    return page.items.map(toRolloutAgentResponse);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiEndpoint({ summary: 'Pause a running rollout', role: 'operator', errors: STATE_ERRORS })
  @ApiOkResponse({ type: RolloutResponse })
  async pause(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<RolloutResponse> {
    return toRolloutResponse(await this.rollouts.pause(id, user.username));
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiEndpoint({
    summary: 'Resume a paused rollout (after a tripped gate: go on to the next stage)',
    role: 'operator',
    errors: STATE_ERRORS,
  })
  @ApiOkResponse({ type: RolloutResponse })
  async resume(@Param('id', ParseUUIDPipe) id: string): Promise<RolloutResponse> {
    return toRolloutResponse(await this.rollouts.resume(id));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiEndpoint({
    summary: 'Stop a rollout where it is (updated agents keep the new version)',
    role: 'operator',
    errors: STATE_ERRORS,
  })
  @ApiOkResponse({ type: RolloutResponse })
  async cancel(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<RolloutResponse> {
    return toRolloutResponse(await this.rollouts.cancel(id, user.username));
  }

  @Post(':id/rollback')
  @HttpCode(200)
  @ApiEndpoint({
    summary: 'Stop a rollout and give the agents it updated their previous version',
    role: 'operator',
    errors: STATE_ERRORS,
  })
  @ApiOkResponse({ type: RolloutResponse })
  async rollback(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<RolloutResponse> {
    return toRolloutResponse(await this.rollouts.rollback(id, user.username));
  }
}
