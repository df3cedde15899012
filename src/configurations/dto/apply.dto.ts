import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsUUID, Matches, Min } from 'class-validator';
import { PageQuery } from '../../common/pagination.js';
import type { ApplySummary } from '../apply-history.service.js';
import type { ApplyRecordView } from '../apply-history.repository.js';
import { APPLY_STATUSES, type ApplyStatus } from '../apply-record.entity.js';
import type { AgentAssignmentRow } from '../config-assignment.repository.js';
import { SKIP_REASONS, type PushResult } from '../config-push.service.js';

/**
 * Agents pick their own 16-byte instance_uid, so any canonical UUID text is accepted whatever its
 * version bits (a strict UUID check would refuse real agents).
 */
const INSTANCE_UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INSTANCE_UID_MESSAGE = 'agent ids must be instance uids in canonical UUID text';

export class ApplyHistoryQuery extends PageQuery {
  @ApiPropertyOptional({ enum: APPLY_STATUSES })
  @IsOptional()
  @IsIn(APPLY_STATUSES)
  status?: ApplyStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  version?: number;
}

export class ConfigurationApplyHistoryQuery extends ApplyHistoryQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only this agent' })
  @IsOptional()
  @Matches(INSTANCE_UID, { message: INSTANCE_UID_MESSAGE })
  agent_id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only this push' })
  @IsOptional()
  @IsUUID()
  push_id?: string;
}

export class ApplyRecordResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  configuration_id: string;

  @ApiProperty()
  configuration_name: string;

  @ApiProperty()
  version: number;

  @ApiProperty()
  config_hash: string;

  @ApiProperty({ format: 'uuid' })
  agent_id: string;

  @ApiProperty({ nullable: true, type: String, format: 'uuid' })
  push_id: string | null;

  @ApiProperty({ enum: APPLY_STATUSES })
  status: string;

  @ApiProperty({ nullable: true, type: String })
  error_message: string | null;

  @ApiProperty({ description: 'When the config was offered to the agent' })
  offered_at: string;

  @ApiProperty()
  updated_at: string;

  @ApiProperty({ nullable: true, type: String })
  finished_at: string | null;
}

class ApplyCounts {
  @ApiProperty() pending: number;
  @ApiProperty() applying: number;
  @ApiProperty() applied: number;
  @ApiProperty() failed: number;
  @ApiProperty() timeout: number;
  @ApiProperty() rolled_back: number;
}

export class ApplySummaryResponse {
  @ApiProperty({ description: 'Agents counted (each by its newest record)' })
  total: number;

  @ApiProperty({ type: ApplyCounts })
  counts: ApplyCounts;
}

export class ConfigurationApplySummaryResponse extends ApplySummaryResponse {
  @ApiProperty({ description: 'The configuration version counted' })
  version: number;
}

export class PushSummaryResponse extends ApplySummaryResponse {
  @ApiProperty({ format: 'uuid' })
  push_id: string;

  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Version pushed; null for an automatic push (known by its offers only)',
  })
  version: number | null;

  @ApiProperty({
    nullable: true,
    type: Number,
    description:
      'Agents the push targeted (null: automatic push, or a `wait: false` push whose targets are not read yet)',
  })
  targeted: number | null;

  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Agents sent the configuration by the instance that took the push request',
  })
  sent: number | null;

  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Agents handed to the instances holding their connections',
  })
  forwarded: number | null;

  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Agents skipped by the instance that took the request (reasons in its push response)',
  })
  skipped: number | null;

  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Why a push answered at once (`wait: false`) could not be carried out after the answer',
  })
  error: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'When the push was requested' })
  created_at: string | null;
}

/** An agent's configuration assignment and apply state (also meant for the agents REST). */
export class AgentAssignmentResponse {
  @ApiProperty({ format: 'uuid' })
  agent_id: string;

  @ApiProperty({ nullable: true, type: String })
  agent_name: string | null;

  @ApiProperty({ nullable: true, type: String })
  host_name: string | null;

  @ApiProperty({ enum: ['online', 'offline'] })
  status: string;

  @ApiProperty({ nullable: true, type: String, format: 'uuid' })
  configuration_id: string | null;

  @ApiProperty({ nullable: true, type: String })
  configuration_name: string | null;

  @ApiProperty({ nullable: true, type: Number })
  assigned_version: number | null;

  @ApiProperty({ nullable: true, type: String, description: 'Hash the agent should run' })
  desired_config_hash: string | null;

  @ApiProperty({ nullable: true, type: String, description: 'Hash the agent last reported' })
  reported_config_hash: string | null;

  @ApiProperty({ nullable: true, type: String, enum: ['UNSET', 'APPLIED', 'APPLYING', 'FAILED'] })
  reported_status: string | null;

  @ApiProperty({ nullable: true, type: String })
  reported_error: string | null;

  @ApiProperty({ nullable: true, type: String, enum: APPLY_STATUSES, description: 'Newest apply-history state' })
  apply_status: string | null;

  @ApiProperty({ description: 'The agent reports APPLIED for the desired hash' })
  in_sync: boolean;
}

export function toApplyRecordResponse(r: ApplyRecordView): ApplyRecordResponse {
  return {
    id: r.id,
    configuration_id: r.configurationId,
    configuration_name: r.configurationName,
    version: r.version,
    config_hash: r.configHash,
    agent_id: r.instanceUid,
    push_id: r.pushId,
    status: r.status,
    error_message: r.errorMessage,
    offered_at: r.offeredAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
    finished_at: r.finishedAt?.toISOString() ?? null,
  };
}

export function toApplySummaryResponse(s: ApplySummary): ApplySummaryResponse {
  return { total: s.total, counts: s.counts };
}

export function toAgentAssignmentResponse(a: AgentAssignmentRow): AgentAssignmentResponse {
  return {
    agent_id: a.instanceUid,
    agent_name: a.agentName,
    host_name: a.hostName,
    status: a.status,
    configuration_id: a.configurationId,
    configuration_name: a.configurationName,
    assigned_version: a.assignedVersion,
    desired_config_hash: a.desiredConfigHash,
    reported_config_hash: a.remoteConfigHash,
    reported_status: a.remoteConfigStatus,
    reported_error: a.remoteConfigError,
    apply_status: a.applyStatus,
    in_sync:
      a.desiredConfigHash !== null && a.remoteConfigHash === a.desiredConfigHash && a.remoteConfigStatus === 'APPLIED',
  };
}

export class PushRequest {
  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    description: 'Only these agents (each must be assigned this configuration); omit to push to every assigned agent',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @Matches(INSTANCE_UID, { each: true, message: INSTANCE_UID_MESSAGE })
  agent_ids?: string[];

  @ApiPropertyOptional({
    default: false,
    description:
      'Also offer the version to agents that already reported FAILED for it (skipped as `already_failed` ' +
      'otherwise). Agents that report a status only when it changes may not answer a repeated offer: if ' +
      'the next report after the offer still says FAILED for it, or the agent sends two messages without ' +
      'any report, the offer is recorded as `failed` again.',
  })
  @IsOptional()
  @IsBoolean()
  force?: boolean;

  @ApiPropertyOptional({
    default: true,
    description:
      'false: answer 202 as soon as the push is recorded and its targets are known, without waiting for ' +
      'the offers to go out (whatever the fleet size); `sent` is then null and the push summary ' +
      '(GET /configurations/:name/push/:push_id) gives what was sent and skipped once delivery is done.',
  })
  @IsOptional()
  @IsBoolean()
  wait?: boolean;
}

class PushSkip {
  @ApiProperty({ format: 'uuid' })
  agent_id: string;

  @ApiProperty({
    enum: SKIP_REASONS,
    description:
      'already_applied / already_applying / already_failed: the agent last reported that status for this ' +
      'very version (from its live report on the instance holding it, or from the stored one for agents held by ' +
      'other instances); already_failed is not skipped with `force`',
  })
  reason: string;
}

export class PushResponse {
  @ApiProperty({ format: 'uuid', description: 'Follow it at GET /configurations/:name/push/:push_id' })
  push_id: string;

  @ApiProperty()
  configuration: string;

  @ApiProperty()
  version: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Assigned agents considered; null when the answer did not wait (`wait: false`): see the push summary',
  })
  targeted: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      'Agents the config was sent to (WebSocket) or queued for (HTTP); null when the answer did not wait ' +
      '(`wait: false`), whose `skipped` is then empty: the push summary counts what was sent and skipped',
  })
  sent: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Agents online at other server instances, which were asked to deliver it; null as targeted',
  })
  forwarded: number | null;

  @ApiProperty({ type: [PushSkip] })
  skipped: PushSkip[];
}

export function toPushResponse(p: PushResult): PushResponse {
  return {
    push_id: p.pushId,
    configuration: p.configurationName,
    version: p.version,
    targeted: p.targeted,
    sent: p.sent,
    forwarded: p.forwarded,
    skipped: p.skipped.map((s) => ({ agent_id: s.agentId, reason: s.reason })),
  };
}
