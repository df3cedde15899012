import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Min } from 'class-validator';
import type { ConfigurationDiff } from '../../config-history/config-history.service.js';
import type { ConfigurationVersionEntity } from '../../config-history/configuration-version.entity.js';

export class ConfigurationVersionResponse {
  @ApiProperty()
  version: number;

  @ApiProperty()
  raw_config: string;

  @ApiProperty()
  content_type: string;

  @ApiProperty()
  file_name: string;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  selector: Record<string, string>;

  @ApiProperty()
  config_hash: string;

  @ApiProperty({ enum: ['create', 'update', 'rollback'] })
  change_kind: string;

  @ApiProperty({ nullable: true, type: Number, description: 'For a rollback, the version whose content it restored' })
  rolled_back_from: number | null;

  @ApiProperty({ nullable: true, type: String })
  created_by: string | null;

  @ApiProperty()
  created_at: string;
}

export class DiffQuery {
  @ApiPropertyOptional({ description: 'Default: the version before `to`' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  from?: number;

  @ApiPropertyOptional({ description: 'Default: the current version' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  to?: number;
}

class ValueChange {
  @ApiProperty()
  from: string;

  @ApiProperty()
  to: string;
}

class SelectorChangeResponse {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  added: Record<string, string>;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  removed: Record<string, string>;

  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/ValueChange' } })
  changed: Record<string, ValueChange>;
}

export class DiffResponse {
  @ApiProperty()
  name: string;

  @ApiProperty()
  from: number;

  @ApiProperty()
  to: number;

  @ApiProperty({ description: 'Unified diff of raw_config; empty when equal' })
  raw_config_diff: string;

  @ApiProperty({ type: SelectorChangeResponse })
  selector: SelectorChangeResponse;

  @ApiProperty({ type: ValueChange, nullable: true })
  content_type: ValueChange | null;

  @ApiProperty({ type: ValueChange, nullable: true })
  file_name: ValueChange | null;
}

export function toVersionResponse(v: ConfigurationVersionEntity): ConfigurationVersionResponse {
  return {
    version: v.version,
    raw_config: v.rawConfig,
    content_type: v.contentType,
    file_name: v.fileName,
    selector: v.selector,
    config_hash: v.configHash,
    change_kind: v.changeKind,
    rolled_back_from: v.rolledBackFrom,
    created_by: v.createdBy,
    created_at: v.createdAt.toISOString(),
  };
}

export function toDiffResponse(d: ConfigurationDiff): DiffResponse {
  return {
    name: d.name,
    from: d.from,
    to: d.to,
    raw_config_diff: d.rawConfigDiff,
    selector: d.selector,
    content_type: d.contentType,
    file_name: d.fileName,
  };
}
