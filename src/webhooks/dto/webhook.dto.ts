import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
  IsUrl,
  MaxLength,
  MinLength,
} from 'class-validator';
import { IsLabelMap } from '../../configurations/dto/selector.validator.js';
import type { DeliveryRow, WebhookRow } from '../webhooks.repository.js';

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

export class CreateWebhookRequest {
  /** Where deliveries are POSTed (http or https). */
  @ApiProperty()
  @IsUrl(URL_OPTIONS)
  @MaxLength(2048)
  url: string;

  /** Event names (`agent.disconnected`, `apply.failed`, `rollout.*`...) or `["*"]` for all. */
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(64)
  @IsString({ each: true })
  events: string[];

  /** Limits agent events to agents matching every pair (labels, then attributes). */
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsLabelMap()
  selector?: Record<string, string>;

  /** The signing secret (16-256 characters, or a Standard Webhooks `whsec_...` secret); never returned. */
  @ApiProperty()
  @IsString()
  @MinLength(16)
  @MaxLength(256)
  secret: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateWebhookRequest {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(64)
  @IsString({ each: true })
  events?: string[];

  /** `null` removes the selector. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, nullable: true })
  @IsOptional()
  @IsLabelMap()
  selector?: Record<string, string> | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(16)
  @MaxLength(256)
  secret?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class WebhookResponse {
  @ApiProperty()
  id: string;
  @ApiProperty()
  url: string;
  @ApiProperty({ type: [String] })
  events: string[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, nullable: true })
  selector: Record<string, string> | null;
  @ApiProperty()
  enabled: boolean;
  @ApiProperty()
  created_at: string;
  @ApiProperty()
  updated_at: string;
}

export class WebhookDeliveryResponse {
  /** Also the `webhook-id` header: receivers use it to drop duplicates. */
  @ApiProperty()
  id: string;
  @ApiProperty()
  event_type: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] })
  status: 'pending' | 'delivered' | 'failed';
  @ApiProperty()
  attempts: number;
  @ApiProperty({ type: String, nullable: true })
  next_attempt_at: string | null;
  @ApiProperty({ type: Number, nullable: true })
  last_status_code: number | null;
  @ApiProperty({ type: String, nullable: true })
  last_error: string | null;
  @ApiProperty({ type: Number, nullable: true })
  last_latency_ms: number | null;
  @ApiProperty()
  created_at: string;
  @ApiProperty({ type: String, nullable: true })
  finished_at: string | null;
}

export function toWebhookResponse(row: WebhookRow): WebhookResponse {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    selector: row.selector,
    enabled: row.enabled,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

export function toDeliveryResponse(row: DeliveryRow): WebhookDeliveryResponse {
  return {
    id: row.id,
    event_type: row.event_type,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? new Date(row.next_attempt_at).toISOString() : null,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    last_latency_ms: row.last_latency_ms,
    created_at: new Date(row.created_at).toISOString(),
    finished_at: row.finished_at === null ? null : new Date(row.finished_at).toISOString(),
  };
}
