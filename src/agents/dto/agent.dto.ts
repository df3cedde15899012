import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQuery } from '../../common/pagination.js';
import { DRIFT_STATES, type AgentEntity, type DriftState } from '../agent.entity.js';
import { AGENT_SORTS, type AgentSort } from '../agents.repository.js';
import { capabilityNames } from '../capabilities.js';

export class AgentListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['online', 'offline'] })
  @IsOptional()
  @IsIn(['online', 'offline'])
  status?: 'online' | 'offline';

  @ApiPropertyOptional({
    description: 'Label selector `key=value,key2=value2` matched against labels and attributes',
    example: 'env=prod',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  selector?: string;

  @ApiPropertyOptional({ description: 'Substring of name, host, version or instance uid' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ enum: DRIFT_STATES, description: 'Only agents in this drift state' })
  @IsOptional()
  @IsIn(DRIFT_STATES)
  drift?: DriftState;

  @ApiPropertyOptional({ enum: AGENT_SORTS, default: 'last_seen_at' })
  @IsOptional()
  @IsIn(AGENT_SORTS)
  sort: AgentSort = 'last_seen_at';

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toLowerCase() : value))
  @IsIn(['asc', 'desc'])
  order: 'asc' | 'desc' = 'desc';
}

export class SetLabelsRequest {
  @ApiProperty({
    description: 'The complete set of server-side labels (string values); replaces the old set',
    example: { env: 'production', team: 'observability' },
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  @IsObject()
  labels: Record<string, string>;
}

class CapabilitiesView {
  @ApiProperty({
    description: 'The AgentCapabilities bit mask, a uint64 as decimal text (exact up to 2^64-1)',
    example: '8195',
  })
  mask: string;

  @ApiProperty({ type: [String] })
  names: string[];
}

class RemoteConfigStatusView {
  @ApiProperty({ nullable: true, type: String, enum: ['UNSET', 'APPLIED', 'APPLYING', 'FAILED'] })
  status: string | null;

  @ApiProperty({ nullable: true, type: String, description: 'Hex of last_remote_config_hash' })
  hash: string | null;

  @ApiProperty({ nullable: true, type: String })
  error_message: string | null;
}

export class AgentSummary {
  @ApiProperty({ format: 'uuid' })
  instance_uid: string;

  @ApiProperty({ description: 'service.name, else host name, else the uid' })
  name: string;

  @ApiProperty({ nullable: true, type: String })
  agent_version: string | null;

  @ApiProperty({ nullable: true, type: String })
  host_name: string | null;

  @ApiProperty({ enum: ['online', 'offline'] })
  status: string;

  @ApiProperty({ nullable: true, type: Boolean })
  healthy: boolean | null;

  @ApiProperty({ nullable: true, type: String, enum: ['websocket', 'http'] })
  transport: string | null;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  labels: Record<string, string>;

  @ApiProperty({ type: RemoteConfigStatusView })
  remote_config_status: RemoteConfigStatusView;

  @ApiProperty({ nullable: true, type: String })
  last_seen_at: string | null;

  @ApiProperty({
    enum: DRIFT_STATES,
    description:
      'Effective config vs desired configuration: in_sync, drifted, unknown (no effective config or no configuration), pending (offer in flight)',
  })
  drift: DriftState;
}

export class AgentDetail extends AgentSummary {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  identifying_attributes: Record<string, string>;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  non_identifying_attributes: Record<string, string>;

  @ApiProperty({ type: CapabilitiesView })
  capabilities: CapabilitiesView;

  @ApiProperty({ nullable: true, type: 'object', description: 'The ComponentHealth tree', additionalProperties: true })
  health: Record<string, unknown> | null;

  @ApiProperty({
    nullable: true,
    type: 'object',
    description:
      'file name -> {body, content_type}. Past 1 MiB of bodies per agent, a file is stored as {body: "", content_type, size, sha256, truncated: true}',
    additionalProperties: true,
  })
  effective_config: Record<string, { body: string; content_type: string }> | null;

  @ApiProperty({ nullable: true, type: String })
  effective_config_hash: string | null;

  @ApiPropertyOptional({
    description:
      'What the agent reports for each package (added by the packages feature; the same rows as GET /api/v1/agents/:id/packages)',
    type: 'array',
    items: { type: 'object', additionalProperties: true },
  })
  package_statuses?: unknown[];

  @ApiPropertyOptional({
    description:
      'The configuration assigned to the agent, its version and what the agent reports of it (added by the configurations feature; null when none matches)',
    nullable: true,
    type: 'object',
    additionalProperties: true,
  })
  configuration?: Record<string, unknown> | null;

  @ApiProperty({
    nullable: true,
    type: 'object',
    additionalProperties: true,
    description: 'AvailableComponents as last reported in full: {components, hash (hex)}',
  })
  available_components: Record<string, unknown> | null;

  @ApiProperty({
    nullable: true,
    type: [String],
    description: 'Custom capabilities the agent announced (reverse-DNS names)',
  })
  custom_capabilities: string[] | null;

  @ApiProperty({
    nullable: true,
    type: [String],
    description: 'Paths that differ from the desired config, when drifted',
  })
  drift_paths: string[] | null;

  @ApiProperty({ nullable: true, type: String })
  drift_checked_at: string | null;

  @ApiProperty({ description: 'The server instance holding the connection', nullable: true, type: String })
  instance_id: string | null;

  @ApiProperty({
    description: 'The last sequence_num the agent sent, a uint64 as decimal text (exact up to 2^64-1)',
    example: '42',
  })
  sequence_num: string;

  @ApiProperty()
  first_seen_at: string;

  @ApiProperty({ nullable: true, type: String })
  connected_at: string | null;

  @ApiProperty({ nullable: true, type: String })
  disconnected_at: string | null;
}

export class AgentStatsResponse {
  @ApiProperty()
  total: number;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } })
  by_status: Record<string, number>;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } })
  by_version: Record<string, number>;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } })
  by_health: Record<string, number>;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'in_sync, drifted, unknown, pending',
  })
  by_drift: Record<string, number>;
}

export function toAgentSummary(agent: AgentEntity): AgentSummary {
  return {
    instance_uid: agent.instanceUid,
    name: agent.agentName ?? agent.hostName ?? agent.instanceUid,
    agent_version: agent.agentVersion,
    host_name: agent.hostName,
    status: agent.status,
    healthy: agent.healthy,
    transport: agent.transport,
    labels: agent.labels,
    remote_config_status: {
      status: agent.remoteConfigStatus,
      hash: agent.remoteConfigHash,
      error_message: agent.remoteConfigError,
    },
    last_seen_at: agent.lastSeenAt?.toISOString() ?? null,
    drift: agent.driftStatus,
  };
}

export function toAgentDetail(agent: AgentEntity): AgentDetail {
  return {
    ...toAgentSummary(agent),
    identifying_attributes: agent.identifyingAttributes,
    non_identifying_attributes: agent.nonIdentifyingAttributes,
    capabilities: { mask: agent.capabilities, names: capabilityNames(agent.capabilities) },
    health: agent.health,
    effective_config: agent.effectiveConfig,
    effective_config_hash: agent.effectiveConfigHash,
    available_components: agent.availableComponents,
    custom_capabilities: agent.customCapabilities,
    drift_paths: agent.driftPaths,
    drift_checked_at: agent.driftCheckedAt?.toISOString() ?? null,
    instance_id: agent.instanceId,
    sequence_num: agent.sequenceNum,
    first_seen_at: agent.firstSeenAt.toISOString(),
    connected_at: agent.connectedAt?.toISOString() ?? null,
    disconnected_at: agent.disconnectedAt?.toISOString() ?? null,
  };
}
