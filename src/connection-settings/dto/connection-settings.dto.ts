import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsLabelMap } from '../../configurations/dto/selector.validator.js';
import type { ConnectionSettingsRow, StoredDestination } from '../connection-settings.repository.js';

const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,127}$/i;
const NAME_MESSAGE = 'name must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit';
/** An HTTP header name (RFC 9110 token). */
const HEADER_KEY = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
/** What the API shows instead of a stored header value. */
export const REDACTED = '<redacted>';

export class HeaderInput {
  @ApiProperty({ example: 'Authorization' })
  @IsString()
  @Matches(HEADER_KEY, { message: 'header key must be an HTTP header name' })
  key!: string;

  @ApiPropertyOptional({
    example: 'Bearer backend-api-key',
    description:
      'Stored encrypted and never returned. On update, omit it to keep the value stored for the same key of the same destination.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(8192)
  value?: string;
}

export class DestinationInput {
  @ApiProperty({ example: 'https://otlp.example.com:4318/v1/metrics', description: 'OTLP/HTTP URL with path' })
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'destination_endpoint must be an http(s) URL' },
  )
  @MaxLength(2048)
  destination_endpoint!: string;

  @ApiPropertyOptional({ type: [HeaderInput] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @ValidateNested({ each: true })
  @Type(() => HeaderInput)
  headers?: HeaderInput[];
}

export class CreateConnectionSettingsRequest {
  @ApiProperty({ example: 'prod-telemetry', pattern: NAME_PATTERN.source })
  @IsString()
  @Matches(NAME_PATTERN, { message: NAME_MESSAGE })
  name!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { env: 'production' },
    description: 'Labels an agent must all carry, as for configurations. An empty selector matches no agent.',
  })
  @IsLabelMap()
  selector!: Record<string, string>;

  @ApiPropertyOptional({ default: 0, description: 'Per destination kind, the highest-priority matching rule wins' })
  @IsOptional()
  @IsInt()
  @Min(-1_000_000)
  @Max(1_000_000)
  priority?: number;

  @ApiPropertyOptional({ type: DestinationInput, nullable: true, description: 'Where agents send their own metrics' })
  @IsOptional()
  @ValidateNested()
  @Type(() => DestinationInput)
  own_metrics?: DestinationInput | null;

  @ApiPropertyOptional({ type: DestinationInput, nullable: true, description: 'Where agents send their own traces' })
  @IsOptional()
  @ValidateNested()
  @Type(() => DestinationInput)
  own_traces?: DestinationInput | null;

  @ApiPropertyOptional({ type: DestinationInput, nullable: true, description: 'Where agents send their own logs' })
  @IsOptional()
  @ValidateNested()
  @Type(() => DestinationInput)
  own_logs?: DestinationInput | null;
}

/** A full replacement of everything but the name. */
export class UpdateConnectionSettingsRequest extends OmitType(CreateConnectionSettingsRequest, ['name'] as const) {}

export class HeaderResponse {
  @ApiProperty()
  key!: string;

  @ApiProperty({ example: REDACTED, description: 'Always redacted: header values may be backend credentials' })
  value!: string;
}

export class DestinationResponse {
  @ApiProperty()
  destination_endpoint!: string;

  @ApiProperty({ type: [HeaderResponse] })
  headers!: HeaderResponse[];
}

export class ConnectionSettingsResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  selector!: Record<string, string>;

  @ApiProperty()
  priority!: number;

  @ApiProperty({ type: DestinationResponse, nullable: true })
  own_metrics!: DestinationResponse | null;

  @ApiProperty({ type: DestinationResponse, nullable: true })
  own_traces!: DestinationResponse | null;

  @ApiProperty({ type: DestinationResponse, nullable: true })
  own_logs!: DestinationResponse | null;

  @ApiProperty()
  created_at!: string;

  @ApiProperty()
  updated_at!: string;
}

function toDestinationResponse(stored: StoredDestination | null): DestinationResponse | null {
  return (
    stored && {
      destination_endpoint: stored.destination_endpoint,
      headers: stored.headers.map((h) => ({ key: h.key, value: REDACTED })),
    }
  );
}

export function toConnectionSettingsResponse(row: ConnectionSettingsRow): ConnectionSettingsResponse {
  return {
    id: row.id,
    name: row.name,
    selector: row.selector,
    priority: row.priority,
    own_metrics: toDestinationResponse(row.own_metrics),
    own_traces: toDestinationResponse(row.own_traces),
    own_logs: toDestinationResponse(row.own_logs),
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}
