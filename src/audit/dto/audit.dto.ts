import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQuery } from '../../common/pagination.js';
import type { AuditRecord } from '../audit.repository.js';

/** Filters of `GET /api/v1/audit`; all optional and combined with AND. */
export class AuditQuery extends PageQuery {
  /** The user name (or the username tried, for logins). */
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  actor?: string;

  /** `configurations`, `users`, `agent-keys`, `agents`, `packages`, `webhooks`... */
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  resource?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  resource_id?: string;

  /** `create`, `update`, `delete`, `restart`, `push`, `labels.update`, `login`... */
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(128)
  action?: string;

  /** Records at or after this time (ISO 8601). */
  @ApiPropertyOptional()
  @IsOptional()
  @IsDateString()
  from?: string;

  /** Records before this time (ISO 8601). */
  @ApiPropertyOptional()
  @IsOptional()
  @IsDateString()
  to?: string;
}

/** One audit record. Secrets (passwords, tokens, key hashes, webhook secrets, config content) are never kept. */
export class AuditRecordResponse {
  @ApiProperty()
  id: string;
  @ApiProperty()
  at: string;
  @ApiProperty({ enum: ['user', 'agent_key', 'anonymous'] })
  actor_type: 'user' | 'agent_key' | 'anonymous';
  @ApiProperty({ type: String, nullable: true })
  actor_id: string | null;
  @ApiProperty({ type: String, nullable: true })
  actor_name: string | null;
  @ApiProperty()
  action: string;
  @ApiProperty()
  resource: string;
  @ApiProperty({ type: String, nullable: true })
  resource_id: string | null;
  @ApiProperty()
  method: string;
  @ApiProperty()
  path: string;
  @ApiProperty()
  status_code: number;
  @ApiProperty({ enum: ['success', 'failure'] })
  outcome: 'success' | 'failure';
  @ApiProperty({ type: String, nullable: true })
  client_ip: string | null;
  @ApiProperty({ type: String, nullable: true })
  request_id: string | null;
  /** The resource's state before the write (for resources that have one). */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  before: unknown;
  /** Its state after a successful write. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  after: unknown;
  /** The JSON request body, redacted. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  request: unknown;
}

export function toAuditResponse(record: AuditRecord): AuditRecordResponse {
  return { ...record, id: String(record.id), at: new Date(record.at).toISOString() };
}
