import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsDefined,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import type { DefaultRolloutPolicy } from '../default-policies/default-rollout-policies.repository.js';
import {
  POLICY_SOURCES,
  type EffectiveRolloutPolicy,
  type PolicySource,
} from '../default-policies/effective-rollout-policy.js';
import type { RolloutPolicy } from '../rollout-policy.js';
import { RolloutPolicyDto } from './rollout-policy.dto.js';
import { IsRolloutPolicy } from './rollout-policy.validator.js';
import { IsLabelMap } from './selector.validator.js';

const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,127}$/i;

const SELECTOR_DOC = {
  type: 'object',
  additionalProperties: { type: 'string' },
  example: { env: 'prod' },
  description:
    "Labels an agent must all carry (the same label set as a configuration's selector); the policy applies to a " +
    'configuration when at least one agent assigned it matches. Must not be empty.',
} as const;

/** Not null and not `{}`: a default that matched every agent would be a fleet-wide policy by accident. */
function IsNonEmptyObject(): PropertyDecorator {
  return ValidateBy({
    name: 'isNonEmptyObject',
    validator: {
      validate: (value: unknown) => typeof value === 'object' && value !== null && Object.keys(value).length > 0,
      defaultMessage: (args) => `${args?.property ?? 'selector'} must name at least one label`,
    },
  });
}

class DefaultRolloutPolicyFields {
  @ApiPropertyOptional({ example: 'Production: 1% then 10%, 50%, 100%' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  description?: string;

  @ApiPropertyOptional({
    default: 0,
    description:
      'When several default policies match agents of a configuration, the highest priority wins (then the oldest)',
  })
  @IsOptional()
  @IsInt()
  @Min(-1_000_000)
  @Max(1_000_000)
  priority?: number;
}

export class CreateDefaultRolloutPolicyRequest extends DefaultRolloutPolicyFields {
  @ApiProperty({ example: 'prod-staged', pattern: NAME_PATTERN.source })
  @IsString()
  @Matches(NAME_PATTERN, {
    message: 'name must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit',
  })
  name: string;

  @ApiProperty(SELECTOR_DOC)
  @IsDefined({ message: 'selector is required' })
  @IsLabelMap()
  @IsNonEmptyObject()
  selector: Record<string, string>;

  @ApiProperty({ type: RolloutPolicyDto })
  @IsDefined({ message: 'policy is required' })
  @IsRolloutPolicy()
  policy: RolloutPolicy;
}

export class UpdateDefaultRolloutPolicyRequest extends DefaultRolloutPolicyFields {
  // null is refused, not ignored: a default policy always has a selector and a policy.
  @ApiPropertyOptional(SELECTOR_DOC)
  @ValidateIf((_, value) => value !== undefined)
  @IsDefined({ message: 'selector cannot be null' })
  @IsLabelMap()
  @IsNonEmptyObject()
  selector?: Record<string, string>;

  @ApiPropertyOptional({ type: RolloutPolicyDto })
  @ValidateIf((_, value) => value !== undefined)
  @IsDefined({ message: 'policy cannot be null' })
  @IsRolloutPolicy()
  policy?: RolloutPolicy;
}

export class DefaultRolloutPolicyResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty()
  description: string;

  @ApiProperty(SELECTOR_DOC)
  selector: Record<string, string>;

  @ApiProperty({ type: RolloutPolicyDto })
  policy: RolloutPolicy;

  @ApiProperty()
  priority: number;

  @ApiProperty({ nullable: true, type: String })
  created_by: string | null;

  @ApiProperty()
  created_at: string;

  @ApiProperty()
  updated_at: string;
}

export function toDefaultRolloutPolicyResponse(p: DefaultRolloutPolicy): DefaultRolloutPolicyResponse {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    selector: p.selector,
    policy: p.policy,
    priority: p.priority,
    created_by: p.createdBy,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

/** Which rollout policy a configuration's next version starts a rollout with, and why. */
export class EffectiveRolloutPolicyResponse {
  @ApiProperty({
    enum: POLICY_SOURCES,
    description:
      'configuration: its own rollout_policy; default: a default rollout policy by label; none: a new version is not ' +
      'rolled out in stages (auto_push off: it waits for a push; otherwise it goes to every agent at once)',
  })
  source: PolicySource;

  @ApiProperty({ type: RolloutPolicyDto, nullable: true })
  policy: RolloutPolicy | null;

  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Name of the default policy that applies (source default)',
  })
  default_policy: string | null;

  @ApiProperty({ example: 'its own rollout_policy' })
  reason: string;
}

export function toEffectiveRolloutPolicyResponse(e: EffectiveRolloutPolicy): EffectiveRolloutPolicyResponse {
  return { source: e.source, policy: e.policy, default_policy: e.defaultPolicy, reason: e.reason };
}
