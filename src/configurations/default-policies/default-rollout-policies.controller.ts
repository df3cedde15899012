import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiEndpoint } from '../../auth/api-endpoint.decorator.js';
import { CurrentUser } from '../../auth/current-user.decorator.js';
import type { AuthenticatedUser } from '../../auth/roles.js';
import { PageQuery, setPageHeaders } from '../../common/pagination.js';
import {
  CreateDefaultRolloutPolicyRequest,
  DefaultRolloutPolicyResponse,
  toDefaultRolloutPolicyResponse,
  UpdateDefaultRolloutPolicyRequest,
} from '../dto/default-rollout-policy.dto.js';
import { DefaultRolloutPoliciesService } from './default-rollout-policies.service.js';

const NOT_FOUND = { 404: 'No default rollout policy of that name' };

/** Default rollout policies by label: how new versions reach agents that match them (admins write, anyone reads). */
@ApiTags('rollout-policies')
@Controller('api/v1/rollout-policies')
export class DefaultRolloutPoliciesController {
  constructor(private readonly policies: DefaultRolloutPoliciesService) {}

  @Post()
  @ApiEndpoint({
    summary: 'Create a default rollout policy for configurations whose agents match its selector',
    role: 'admin',
    errors: { 400: 'Invalid name, selector or policy (the message names the part)', 409: 'The name is taken' },
  })
  @ApiCreatedResponse({ type: DefaultRolloutPolicyResponse })
  async create(
    @Body() body: CreateDefaultRolloutPolicyRequest,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<DefaultRolloutPolicyResponse> {
    const created = await this.policies.create(
      {
        name: body.name,
        description: body.description ?? '',
        selector: body.selector,
        policy: body.policy,
        priority: body.priority ?? 0,
      },
      user.username,
    );
    return toDefaultRolloutPolicyResponse(created);
  }

  @Get()
  @ApiEndpoint({ summary: 'List default rollout policies, in the order they are tried (priority, then age)' })
  @ApiOkResponse({ type: [DefaultRolloutPolicyResponse] })
  async list(
    @Query() query: PageQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DefaultRolloutPolicyResponse[]> {
    const page = await this.policies.list(query.offset, query.page_size);
    setPageHeaders(response, query, page.total);
    return page.items.map(toDefaultRolloutPolicyResponse);
  }

  @Get(':name')
  @ApiEndpoint({ summary: 'Get a default rollout policy', errors: NOT_FOUND })
  @ApiOkResponse({ type: DefaultRolloutPolicyResponse })
  async get(@Param('name') name: string): Promise<DefaultRolloutPolicyResponse> {
    return toDefaultRolloutPolicyResponse(await this.policies.get(name));
  }

  @Patch(':name')
  @ApiEndpoint({
    summary: 'Change a default rollout policy (applies from the next saved version; running rollouts keep theirs)',
    role: 'admin',
    errors: { ...NOT_FOUND, 400: 'Invalid field' },
  })
  @ApiOkResponse({ type: DefaultRolloutPolicyResponse })
  async update(
    @Param('name') name: string,
    @Body() body: UpdateDefaultRolloutPolicyRequest,
  ): Promise<DefaultRolloutPolicyResponse> {
    return toDefaultRolloutPolicyResponse(
      await this.policies.update(name, {
        description: body.description,
        selector: body.selector,
        policy: body.policy,
        priority: body.priority,
      }),
    );
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiEndpoint({
    summary: 'Delete a default rollout policy (running rollouts go on)',
    role: 'admin',
    errors: NOT_FOUND,
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@Param('name') name: string): Promise<void> {
    await this.policies.remove(name);
  }
}
