import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Max, Min, ValidateIf } from 'class-validator';
import { PageQuery } from '../../common/pagination.js';
import { RolloutGatesDto, RolloutPlanDto } from '../../configurations/dto/rollout-policy.dto.js';
import type { RolloutGates, RolloutPlan } from '../../configurations/rollout-policy.js';
import type { GateName } from '../rollout-gates.js';
import {
  ROLLOUT_AGENT_STATES,
  ROLLOUT_STATUSES,
  type Rollout,
  type RolloutAgentState,
  type RolloutAgentView,
  type RolloutStatus,
  type StageCounts,
} from '../rollout.types.js';

/**
 * The plan and gates are checked by the service as one policy, so its message names the part that
 * is wrong. The subject is a configuration (and version) or a held package assignment, not both.
 */
export class CreateRolloutRequest {
  @ApiPropertyOptional({
    example: 'prod-config',
    description: 'Name of the configuration to roll out (or give package_assignment)',
  })
  @ValidateIf((o: CreateRolloutRequest) => o.package_assignment === undefined || o.configuration !== undefined)
  @IsString()
  configuration?: string;

  @ApiPropertyOptional({
    example: 4,
    description:
      'Id of a package assignment created with "hold": true: its package version is rolled out to the agents ' +
      'it names (instead of a configuration)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  package_assignment?: number;

  @ApiPropertyOptional({ description: 'Configuration rollouts: the version to roll out (default: the newest)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;

  @ApiProperty({ type: RolloutPlanDto })
  @IsObject()
  plan: RolloutPlan;

  @ApiPropertyOptional({ type: RolloutGatesDto })
  @IsOptional()
  @IsObject()
  gates?: Partial<RolloutGates>;

  @ApiPropertyOptional({ default: 60, description: 'Seconds a stage bakes after its agents applied' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(86_400)
  bake_seconds?: number;

  @ApiPropertyOptional({ default: 300, description: 'Seconds an offered agent has to report APPLIED or FAILED' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  apply_timeout_seconds?: number;

  @ApiPropertyOptional({ default: false, description: 'On a tripped gate, roll the updated agents back (else pause)' })
  @IsOptional()
  @IsBoolean()
  auto_rollback?: boolean;
}

export class ListRolloutsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only rollouts of this configuration' })
  @IsOptional()
  @IsString()
  configuration?: string;

  @ApiPropertyOptional({ enum: ROLLOUT_STATUSES })
  @IsOptional()
  @IsIn(ROLLOUT_STATUSES)
  status?: RolloutStatus;

  @ApiPropertyOptional({ description: 'Only rollouts of this package assignment' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  package_assignment?: number;
}

export class RolloutAgentsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only agents of this stage (1-based)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  stage?: number;

  @ApiPropertyOptional({ enum: ROLLOUT_AGENT_STATES })
  @IsOptional()
  @IsIn(ROLLOUT_AGENT_STATES)
  state?: RolloutAgentState;
}

export class GateResultResponse {
  @ApiProperty({ enum: ['failed', 'unhealthy', 'disconnected'] })
  gate: GateName;

  @ApiProperty({ description: 'Agents counted by the gate' })
  value: number;

  @ApiProperty({ description: 'The most agents the gate allows' })
  threshold: number;

  @ApiProperty()
  passed: boolean;
}

export class StageResponse {
  @ApiProperty({ description: '1-based' })
  stage: number;

  @ApiProperty()
  targeted: number;

  @ApiProperty({ description: 'Not offered yet' })
  waiting: number;

  @ApiProperty({ description: 'Offline when the stage was offered (they get the version at the end)' })
  skipped: number;

  @ApiProperty({ description: 'Offered, no answer yet' })
  offered: number;

  @ApiProperty()
  applied: number;

  @ApiProperty({ description: 'Reported FAILED' })
  failed: number;

  @ApiProperty({ description: 'No answer within apply_timeout_seconds' })
  timeout: number;

  @ApiProperty()
  rolled_back: number;

  @ApiProperty({ description: 'Applied, then reported unhealthy' })
  unhealthy: number;

  @ApiProperty({ description: 'Applied, now disconnected' })
  disconnected: number;

  @ApiProperty({ type: [GateResultResponse], nullable: true, description: 'The latest gate evaluation of this stage' })
  gates: GateResultResponse[] | null;
}

export class RolloutPackageResponse {
  @ApiProperty({ nullable: true, type: Number, description: 'Null once the assignment was deleted' })
  assignment_id: number | null;

  @ApiProperty({ nullable: true, type: Number, description: 'Null once the package was deleted' })
  package_id: number | null;

  @ApiProperty()
  name: string;

  @ApiProperty()
  version: string;
}

export class RolloutResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: ['configuration', 'package'], description: 'What is rolled out' })
  subject: 'configuration' | 'package';

  @ApiProperty({ nullable: true, type: String, description: 'Configuration rollouts: its name' })
  configuration: string | null;

  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Configuration rollouts: the version agents had (and get back on a rollback)',
  })
  from_version: number | null;

  @ApiProperty({ nullable: true, type: Number })
  to_version: number | null;

  @ApiProperty({ nullable: true, type: String })
  to_config_hash: string | null;

  @ApiProperty({
    type: RolloutPackageResponse,
    nullable: true,
    description: 'Package rollouts: the package version, offered through the held assignment',
  })
  package: RolloutPackageResponse | null;

  @ApiProperty({ enum: ROLLOUT_STATUSES })
  status: RolloutStatus;

  @ApiProperty({ type: RolloutPlanDto })
  plan: RolloutPlan;

  @ApiProperty({ type: RolloutGatesDto })
  gates: RolloutGates;

  @ApiProperty()
  bake_seconds: number;

  @ApiProperty()
  apply_timeout_seconds: number;

  @ApiProperty()
  auto_rollback: boolean;

  @ApiProperty()
  stage_count: number;

  @ApiProperty({ description: '1-based' })
  current_stage: number;

  @ApiProperty({ enum: ['offer', 'wait', 'bake', 'next'] })
  phase: string;

  @ApiProperty()
  phase_started_at: string;

  @ApiProperty({ enum: ['failed', 'unhealthy', 'disconnected'], nullable: true, type: String })
  tripped_gate: GateName | null;

  @ApiProperty({ type: [String], nullable: true, description: 'Agents behind the tripped gate (at most 100)' })
  tripped_agents: string[] | null;

  @ApiProperty({ nullable: true, type: String, description: 'Why it paused, stopped or rolled back' })
  reason: string | null;

  @ApiProperty({ nullable: true, type: String, description: 'The server instance advancing it' })
  lease_owner: string | null;

  @ApiProperty({ nullable: true, type: String })
  created_by: string | null;

  @ApiProperty()
  created_at: string;

  @ApiProperty()
  updated_at: string;

  @ApiProperty({ nullable: true, type: String })
  finished_at: string | null;
}

export class RolloutDetailResponse extends RolloutResponse {
  @ApiProperty({ type: [StageResponse] })
  stages: StageResponse[];

  @ApiProperty({
    description:
      'Its agents pinned to to_version: while it runs, those offered it; once cancelled, those that keep it (the others ' +
      'get the released version) until a push to all or a later rollout replaces the pins',
  })
  pinned_agents: number;
}

export class RolloutAgentResponse {
  @ApiProperty({ format: 'uuid' })
  agent_id: string;

  @ApiProperty({ nullable: true, type: String })
  agent_name: string | null;

  @ApiProperty({ description: '1-based' })
  stage: number;

  @ApiProperty({ description: 'Place in the rollout order (0-based)' })
  position: number;

  @ApiProperty({ enum: ROLLOUT_AGENT_STATES })
  state: RolloutAgentState;

  @ApiProperty({ nullable: true, type: Number, description: 'Configuration rollouts: the version it had before' })
  previous_version: number | null;

  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Package rollouts: the version of the package it reported before (null: none reported)',
  })
  previous_package_version: string | null;

  @ApiProperty({ description: 'Times the rollout offered it the new version' })
  offers: number;

  @ApiProperty({ nullable: true, type: String })
  offered_at: string | null;

  @ApiProperty({ nullable: true, type: String })
  finished_at: string | null;

  @ApiProperty({ nullable: true, type: Boolean })
  healthy: boolean | null;

  @ApiProperty()
  online: boolean;
}

export function toRolloutResponse(r: Rollout): RolloutResponse {
  return {
    id: r.id,
    subject: r.package ? 'package' : 'configuration',
    configuration: r.configurationName,
    from_version: r.fromVersion,
    to_version: r.toVersion,
    to_config_hash: r.toConfigHash,
    package: r.package && {
      assignment_id: r.package.assignmentId,
      package_id: r.package.packageId,
      name: r.package.name,
      version: r.package.version,
    },
    status: r.status,
    plan: r.plan,
    gates: r.gates,
    bake_seconds: r.bakeSeconds,
    apply_timeout_seconds: r.applyTimeoutSeconds,
    auto_rollback: r.autoRollback,
    stage_count: r.stageCount,
    current_stage: r.currentStage + 1,
    phase: r.phase,
    phase_started_at: r.phaseStartedAt.toISOString(),
    tripped_gate: r.trippedGate,
    tripped_agents: r.trippedAgents,
    reason: r.reason,
    lease_owner: r.status === 'running' ? r.leaseOwner : null,
    created_by: r.createdBy,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
    finished_at: r.finishedAt?.toISOString() ?? null,
  };
}

export function toRolloutDetailResponse(
  r: Rollout,
  stages: StageCounts[],
): Omit<RolloutDetailResponse, 'pinned_agents'> {
  return {
    ...toRolloutResponse(r),
    stages: stages.map((s) => ({
      stage: s.stage + 1,
      targeted: s.targeted,
      ...s.states,
      unhealthy: s.unhealthy,
      disconnected: s.disconnected,
      gates: r.gateResults.find((g) => g.stage === s.stage)?.results ?? null,
    })),
  };
}

export function toRolloutAgentResponse(a: RolloutAgentView): RolloutAgentResponse {
  return {
    agent_id: a.instanceUid,
    agent_name: a.agentName,
    stage: a.stage + 1,
    position: a.position,
    state: a.state,
    previous_version: a.previousVersion,
    previous_package_version: a.previousPackageVersion,
    offers: a.offers,
    offered_at: a.offeredAt?.toISOString() ?? null,
    finished_at: a.finishedAt?.toISOString() ?? null,
    healthy: a.healthy,
    online: a.online,
  };
}
