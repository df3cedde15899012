import { parseSelector } from '../agents/selector.js';
import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Post, Put, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiEndpoint } from '../auth/api-endpoint.decorator.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import type { AuthenticatedUser } from '../auth/roles.js';
import { ConfigPushService } from './config-push.service.js';
import { ConfigurationsService } from './configurations.service.js';
import { PushRequest, PushResponse, toPushResponse } from './dto/apply.dto.js';
import {
  ConfigurationResponse,
  CreateConfigurationRequest,
  DeleteConfigurationQuery,
  ListConfigurationsQuery,
  toConfigurationResponse,
  UpdateConfigurationRequest,
} from './dto/configuration.dto.js';
import { setPageHeaders } from '../common/pagination.js';
import type { ConfigurationEntity } from './configuration.entity.js';
import { ViewerRedaction } from './viewer-redaction.js';
import { DefaultRolloutPoliciesService } from './default-policies/default-rollout-policies.service.js';
import { toEffectiveRolloutPolicyResponse } from './dto/default-rollout-policy.dto.js';
import {
  ConfigurationWriteResponse,
  toValidationResponse,
  ValidateConfigurationRequest,
  ValidationResponse,
} from './dto/validation.dto.js';

const CONTENT_ERRORS = {
  400:
    'Invalid field; raw_config does not parse as its content type (the message names line and column); or the ' +
    'Collector would refuse it (`errors` and `warnings` list each finding with path, line and column)',
  413: 'raw_config is larger than CONFIG_MAX_BYTES',
};

@ApiTags('configurations')
@Controller('api/v1/configurations')
export class ConfigurationsController {
  constructor(
    private readonly configurations: ConfigurationsService,
    private readonly pushes: ConfigPushService,
    private readonly redaction: ViewerRedaction,
    private readonly policies: DefaultRolloutPoliciesService,
  ) {}

  @Post()
  @ApiEndpoint({
    summary: 'Create a configuration (version 1)',
    role: 'operator',
    errors: { ...CONTENT_ERRORS, 409: 'A configuration with this name exists' },
  })
  @ApiCreatedResponse({ type: ConfigurationWriteResponse })
  async create(
    @Body() body: CreateConfigurationRequest,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<ConfigurationWriteResponse> {
    const result = await this.configurations.create(
      {
        name: body.name,
        description: body.description,
        rawConfig: body.raw_config,
        contentType: body.content_type,
        fileName: body.file_name,
        selector: body.selector,
        priority: body.priority,
        autoPush: body.auto_push,
        validate: body.validate,
        rolloutPolicy: body.rollout_policy,
        inheritRolloutPolicy: body.inherit_rollout_policy,
      },
      user.username,
    );
    return { ...toConfigurationResponse(result.configuration), warnings: result.warnings };
  }

  @Post('validate')
  @HttpCode(200)
  @ApiEndpoint({
    summary: 'Check a body as create and update would, without saving it (200 with the findings)',
    // A read in effect: viewers may check what they paste, as the console's editor does as they type.
    role: 'viewer',
    errors: { 400: 'Invalid field', 413: 'raw_config is larger than CONFIG_MAX_BYTES' },
  })
  @ApiOkResponse({ type: ValidationResponse })
  validate(@Body() body: ValidateConfigurationRequest): ValidationResponse {
    return toValidationResponse(this.configurations.check(body.raw_config, body.content_type ?? 'text/yaml'));
  }

  @Get()
  @ApiEndpoint({ summary: 'List configurations, by name substring or selector labels' })
  @ApiOkResponse({ type: [ConfigurationResponse] })
  async list(
    @Query() query: ListConfigurationsQuery,
    @Res({ passthrough: true }) response: Response,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<ConfigurationResponse[]> {
    const page = await this.configurations.list(
      { nameContains: query.name, selectorContains: parseSelector(query.label) },
      query.offset,
      query.page_size,
    );
    setPageHeaders(response, query, page.total);
    return page.items.map((c) => this.forUser(user, c));
  }

  @Get(':name')
  @ApiEndpoint({
    summary: 'Get a configuration, with the rollout policy its next version will use (effective_rollout_policy)',
    errors: { 404: 'No such configuration' },
  })
  @ApiOkResponse({ type: ConfigurationResponse })
  async get(@Param('name') name: string, @CurrentUser() user: AuthenticatedUser): Promise<ConfigurationResponse> {
    const configuration = await this.configurations.get(name);
    const effective = await this.policies.effective(configuration);
    return {
      ...this.forUser(user, configuration),
      effective_rollout_policy: toEffectiveRolloutPolicyResponse(effective),
    };
  }

  /** Viewers read raw_config with its secrets redacted. */
  private forUser(user: AuthenticatedUser, configuration: ConfigurationEntity): ConfigurationResponse {
    const response = toConfigurationResponse(configuration);
    return { ...response, raw_config: this.redaction.body(user, response.raw_config, response.content_type) };
  }

  @Put(':name')
  @ApiEndpoint({
    summary: 'Update a configuration; a content or selector change makes a new version, no change keeps it',
    role: 'operator',
    errors: { ...CONTENT_ERRORS, 404: 'No such configuration', 409: 'version given and no longer current' },
  })
  @ApiOkResponse({ type: ConfigurationWriteResponse })
  async update(
    @Param('name') name: string,
    @Body() body: UpdateConfigurationRequest,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<ConfigurationWriteResponse> {
    const result = await this.configurations.update(
      name,
      {
        name: body.name,
        description: body.description,
        rawConfig: body.raw_config,
        contentType: body.content_type,
        fileName: body.file_name,
        selector: body.selector,
        priority: body.priority,
        autoPush: body.auto_push,
        rolloutPolicy: body.rollout_policy,
        inheritRolloutPolicy: body.inherit_rollout_policy,
        expectedVersion: body.version,
        validate: body.validate,
      },
      user.username,
    );
    return { ...toConfigurationResponse(result.configuration), warnings: result.warnings };
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiEndpoint({
    summary: 'Delete a configuration (its history stays readable)',
    role: 'admin',
    errors: { 404: 'No such configuration', 409: 'Agents are assigned; use ?force=true' },
  })
  async remove(
    @Param('name') name: string,
    @Query() query: DeleteConfigurationQuery,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<void> {
    await this.configurations.remove(name, query.force, user.username);
  }

  @Post(':name/rollback/:version')
  @HttpCode(200)
  @ApiEndpoint({
    summary: "Make a new version with an earlier version's content",
    role: 'operator',
    errors: { 404: 'No such configuration or version' },
  })
  @ApiOkResponse({ type: ConfigurationResponse })
  async rollback(
    @Param('name') name: string,
    @Param('version', ParseIntPipe) version: number,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<ConfigurationResponse> {
    const result = await this.configurations.rollback(name, version, user.username);
    return toConfigurationResponse(result.configuration);
  }

  @Post(':name/push')
  @HttpCode(200)
  @ApiEndpoint({
    summary: 'Send the current version to assigned agents (all, or those listed in agent_ids)',
    role: 'operator',
    errors: { 404: 'No such configuration' },
  })
  @ApiOkResponse({ type: PushResponse, description: 'Delivered (sent and skipped are final)' })
  @ApiAcceptedResponse({ type: PushResponse, description: '`wait: false`: recorded, delivery under way' })
  async push(
    @Param('name') name: string,
    @Body() body: PushRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PushResponse> {
    const result = await this.pushes.push(name, { agentIds: body.agent_ids, force: body.force, wait: body.wait });
    if (result.sent === null) {
      response.status(202);
    }
    return toPushResponse(result);
  }
}
