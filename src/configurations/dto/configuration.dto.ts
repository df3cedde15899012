import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { PageQuery } from '../../common/pagination.js';
import { CONTENT_TYPES, type ContentType } from '../config-content.js';
import type { ConfigurationEntity } from '../configuration.entity.js';
import type { RolloutPolicy } from '../rollout-policy.js';
import { EffectiveRolloutPolicyResponse } from './default-rollout-policy.dto.js';
import { RolloutPolicyDto } from './rollout-policy.dto.js';
import { IsRolloutPolicy } from './rollout-policy.validator.js';
import { IsLabelMap } from './selector.validator.js';

const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,127}$/i;
const NAME_MESSAGE = 'name must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit';

const SELECTOR_DOC = {
  type: 'object',
  additionalProperties: { type: 'string' },
  example: { env: 'production' },
  description:
    'Labels an agent must all carry (identifying attributes, non-identifying attributes and server-side labels, the latter winning). An empty selector matches no agent.',
} as const;

/** Fields shared by create and update; every one optional here. */
class ConfigurationFields {
  @ApiPropertyOptional({ example: 'Production collectors' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  description?: string;

  @ApiPropertyOptional({ enum: CONTENT_TYPES, default: 'text/yaml' })
  @IsOptional()
  @IsIn(CONTENT_TYPES)
  content_type?: ContentType;

  @ApiPropertyOptional({ default: '', description: 'Key of the body in the OpAMP AgentConfigMap' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  file_name?: string;

  @ApiPropertyOptional(SELECTOR_DOC)
  @IsOptional()
  @IsLabelMap()
  selector?: Record<string, string>;

  @ApiPropertyOptional({ default: 0, description: 'Among matching configurations the highest priority wins' })
  @IsOptional()
  @IsInt()
  @Min(-1_000_000)
  @Max(1_000_000)
  priority?: number;

  @ApiPropertyOptional({
    default: true,
    description:
      'Release every new version to the assigned agents as it is saved; off: agents keep the released version until a push',
  })
  @IsOptional()
  @IsBoolean()
  auto_push?: boolean;

  @ApiPropertyOptional({
    description:
      'Default true: check an OpenTelemetry Collector config (YAML with a top-level service) for what the Collector would ' +
      'refuse (400 listing each error with its path, line and column); false saves content the validator does not understand',
  })
  @IsOptional()
  @IsBoolean()
  validate?: boolean;

  @ApiPropertyOptional({
    type: RolloutPolicyDto,
    nullable: true,
    description:
      'Set: a new version (with auto_push) starts a rollout with this policy instead of going to every agent',
  })
  @IsOptional()
  @IsRolloutPolicy()
  rollout_policy?: RolloutPolicy | null;

  @ApiPropertyOptional({
    description:
      'Without a rollout_policy of its own: true (when omitted on create) takes the default rollout policy that matches its agents ' +
      '(GET /api/v1/rollout-policies); false opts out, so a new version goes to every agent at once',
  })
  @IsOptional()
  @IsBoolean()
  inherit_rollout_policy?: boolean;
}

export class CreateConfigurationRequest extends ConfigurationFields {
  @ApiProperty({ example: 'prod-config', pattern: NAME_PATTERN.source })
  @IsString()
  @Matches(NAME_PATTERN, { message: NAME_MESSAGE })
  name: string;

  @ApiProperty({ example: 'exporters:\n  otlp:\n    endpoint: prod.com:4317' })
  @IsString()
  raw_config: string;
}

export class UpdateConfigurationRequest extends ConfigurationFields {
  @ApiPropertyOptional({ description: 'Must equal the name in the path: configurations are not renamed' })
  @IsOptional()
  @IsString()
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  raw_config?: string;

  @ApiPropertyOptional({
    description: 'The version this change is based on; 409 if the configuration has moved on since',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;
}

export class ListConfigurationsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Names containing this text (case-insensitive)' })
  @IsOptional()
  @IsString()
  name?: string;

  @ApiPropertyOptional({
    description: 'Configurations whose selector contains these pairs: key=value, comma-separated',
    example: 'env=production',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[^=,]+=[^,]*(,[^=,]+=[^,]*)*$/, { message: 'label must be key=value pairs separated by commas' })
  label?: string;
}

export class DeleteConfigurationQuery {
  @ApiPropertyOptional({ default: false, description: 'Delete even when agents are assigned (they are unassigned)' })
  @IsOptional()
  @Transform(({ value }) => value === true || value === 'true' || value === '1')
  @IsBoolean()
  force: boolean = false;
}

export class ConfigurationResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty()
  description: string;

  @ApiProperty()
  raw_config: string;

  @ApiProperty({ enum: CONTENT_TYPES })
  content_type: string;

  @ApiProperty()
  file_name: string;

  @ApiProperty(SELECTOR_DOC)
  selector: Record<string, string>;

  @ApiProperty()
  priority: number;

  @ApiProperty()
  auto_push: boolean;

  @ApiProperty({ description: 'Increments on every change of raw_config, content_type, file_name or selector' })
  version: number;

  @ApiProperty({
    description: 'The version assigned agents are offered (behind `version` while held back or rolling out)',
  })
  released_version: number;

  @ApiProperty({ type: RolloutPolicyDto, nullable: true })
  rollout_policy: RolloutPolicy | null;

  @ApiProperty({ description: 'Without a rollout_policy of its own, whether a default rollout policy may apply' })
  inherit_rollout_policy: boolean;

  @ApiPropertyOptional({
    type: EffectiveRolloutPolicyResponse,
    description: 'GET of one configuration: the policy its next saved version will roll out with, and why',
  })
  effective_rollout_policy?: EffectiveRolloutPolicyResponse;

  @ApiProperty({ description: 'SHA-256 (hex) of the AgentConfigMap sent to agents' })
  config_hash: string;

  @ApiProperty({ nullable: true, type: String })
  created_by: string | null;

  @ApiProperty({ nullable: true, type: String })
  updated_by: string | null;

  @ApiProperty()
  created_at: string;

  @ApiProperty()
  updated_at: string;
}

export function toConfigurationResponse(c: ConfigurationEntity): ConfigurationResponse {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    raw_config: c.rawConfig,
    content_type: c.contentType,
    file_name: c.fileName,
    selector: c.selector,
    priority: c.priority,
    auto_push: c.autoPush,
    version: c.version,
    released_version: c.releasedVersion,
    rollout_policy: c.rolloutPolicy,
    inherit_rollout_policy: c.inheritRolloutPolicy,
    config_hash: c.configHash,
    created_by: c.createdBy,
    updated_by: c.updatedBy,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}
