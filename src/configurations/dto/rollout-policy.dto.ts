import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Stage plan (documentation of the shape; `IsRolloutPolicy` checks it with one clear message). */
export class RolloutPlanDto {
  @ApiProperty({
    enum: ['percent', 'count', 'labels'],
    description:
      'percent: cumulative percentages of the targeted agents (ending at 100); count: `first` agents, then each stage `multiplier` times the one before, at most `max`; labels: one stage per selector, then the rest',
  })
  type: 'percent' | 'count' | 'labels';

  @ApiPropertyOptional({ type: [Number], example: [1, 10, 50, 100] })
  percents?: number[];

  @ApiPropertyOptional({ example: 5 })
  first?: number;

  @ApiPropertyOptional({ example: 2 })
  multiplier?: number;

  @ApiPropertyOptional({ example: 100 })
  max?: number;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object', additionalProperties: { type: 'string' } },
    example: [{ ring: 'canary' }],
  })
  selectors?: Array<Record<string, string>>;
}

/** Gate thresholds; a stage trips a gate when a count (or percentage) goes above it. */
export class RolloutGatesDto {
  @ApiPropertyOptional({ default: 0, description: 'Failed or timed-out applies allowed' })
  max_failed?: number;

  @ApiPropertyOptional({ nullable: true, type: Number, description: 'Failed or timed-out applies allowed, in %' })
  max_failed_percent?: number | null;

  @ApiPropertyOptional({ default: 0, description: 'Updated agents reporting unhealthy allowed' })
  max_unhealthy?: number;

  @ApiPropertyOptional({ nullable: true, type: Number, description: 'Unhealthy updated agents allowed, in %' })
  max_unhealthy_percent?: number | null;

  @ApiPropertyOptional({
    default: 0,
    description: 'Updated agents disconnected for longer than the bake time allowed',
  })
  max_disconnected?: number;
}

export class RolloutPolicyDto {
  @ApiProperty({ type: RolloutPlanDto })
  plan: RolloutPlanDto;

  @ApiPropertyOptional({ type: RolloutGatesDto })
  gates?: RolloutGatesDto;

  @ApiPropertyOptional({ default: 60, description: 'Seconds a stage bakes after its agents applied' })
  bake_seconds?: number;

  @ApiPropertyOptional({ default: 300, description: 'Seconds an offered agent has to report APPLIED or FAILED' })
  apply_timeout_seconds?: number;

  @ApiPropertyOptional({
    default: false,
    description: 'On a tripped gate, give the updated agents their previous version (else pause)',
  })
  auto_rollback?: boolean;
}
