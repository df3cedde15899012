import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Min } from 'class-validator';
import type { AgentPackageStatusEntity } from '../agent-package-status.entity.js';
import type { PackageAssignmentEntity } from '../package-assignment.entity.js';
import { PACKAGE_ARCHES, PACKAGE_PLATFORMS } from '../package-rules.js';

export class CreatePackageAssignmentRequest {
  @ApiPropertyOptional({ description: 'The package, by id; or give name and version (and platform/arch if ambiguous)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  package_id?: number;

  @ApiPropertyOptional({ example: 'opamp-agent' })
  @IsOptional()
  @IsString()
  name?: string;

  @ApiPropertyOptional({ example: '1.0.0' })
  @IsOptional()
  @IsString()
  version?: string;

  @ApiPropertyOptional({ enum: PACKAGE_PLATFORMS })
  @IsOptional()
  @IsIn(PACKAGE_PLATFORMS)
  platform?: string;

  @ApiPropertyOptional({ enum: PACKAGE_ARCHES })
  @IsOptional()
  @IsIn(PACKAGE_ARCHES)
  arch?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { env: 'prod', 'os.type': 'linux' },
    description: "Every key must equal the agent's label or identifying/non-identifying attribute",
  })
  @IsOptional()
  @IsObject()
  selector?: Record<string, string>;

  @ApiPropertyOptional({ type: [String], description: 'Instance uids of the agents, instead of a selector' })
  @IsOptional()
  @ArrayMaxSize(10_000)
  @IsUUID('all', { each: true })
  agent_ids?: string[];

  @ApiPropertyOptional({
    description:
      'Default false. Offer it to nobody yet: a rollout (POST /api/v1/rollouts with package_assignment) takes it to the agents ' +
      'stage by stage, and to every matching agent once it completes',
  })
  @IsOptional()
  @IsBoolean()
  hold?: boolean;
}

export class PackageAssignmentResponse {
  @ApiProperty()
  id: number;

  @ApiProperty()
  package_id: number;

  @ApiProperty()
  package_name: string;

  @ApiProperty()
  package_version: string;

  @ApiProperty()
  platform: string;

  @ApiProperty()
  arch: string;

  @ApiProperty({ nullable: true, type: 'object', additionalProperties: { type: 'string' } })
  selector: Record<string, string> | null;

  @ApiProperty({ nullable: true, type: [String] })
  agent_ids: string[] | null;

  @ApiProperty({ description: 'Held back for a rollout: offered only to the agents its stages reached' })
  held: boolean;

  @ApiProperty()
  created_at: string;
}

export class AgentPackageStatusResponse {
  @ApiProperty({ format: 'uuid' })
  instance_uid: string;

  @ApiProperty()
  package_name: string;

  @ApiProperty({ enum: ['installed', 'install_pending', 'installing', 'install_failed', 'downloading'] })
  status: string;

  @ApiProperty({ nullable: true, type: String })
  agent_has_version: string | null;

  @ApiProperty({ nullable: true, type: String })
  server_offered_version: string | null;

  @ApiProperty({ nullable: true, type: Number })
  download_percent: number | null;

  @ApiProperty({ nullable: true, type: String })
  error_message: string | null;

  @ApiProperty()
  updated_at: string;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description:
      'In the agent detail: the signature status of the package version the agent has (valid only when ' +
      'every build of that version was verified); null when the server holds no such version',
  })
  installed_signature_status?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  installed_signer_fingerprint?: string | null;
}

export function toAssignmentResponse(a: PackageAssignmentEntity): PackageAssignmentResponse {
  return {
    id: a.id,
    package_id: a.packageId,
    package_name: a.package?.name ?? '',
    package_version: a.package?.version ?? '',
    platform: a.package?.platform ?? '',
    arch: a.package?.arch ?? '',
    selector: a.selector,
    agent_ids: a.agentIds,
    held: a.held,
    created_at: a.createdAt.toISOString(),
  };
}

export function toAgentPackageStatusResponse(s: AgentPackageStatusEntity): AgentPackageStatusResponse {
  return {
    instance_uid: s.instanceUid,
    package_name: s.packageName,
    status: s.status,
    agent_has_version: s.agentHasVersion,
    server_offered_version: s.serverOfferedVersion,
    download_percent: s.downloadPercent,
    error_message: s.errorMessage,
    updated_at: s.updatedAt.toISOString(),
  };
}
