import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBase64, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { CustomMessageRow } from '../custom-messages.repository.js';

export class SendCustomMessageRequest {
  @ApiProperty({ description: 'A custom capability the agent announced', example: 'io.opentelemetry.pprof' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  capability: string;

  @ApiProperty({ description: 'Message type within the capability', example: 'start' })
  @IsString()
  @MaxLength(255)
  type: string;

  @ApiProperty({ description: 'Payload, base64 (may be empty)', example: 'eyJzZWNvbmRzIjogMzB9' })
  @IsString()
  @IsBase64()
  data: string;
}

export class CustomMessagesQuery {
  @ApiPropertyOptional({ type: Number, default: 20, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 20;
}

export class CustomMessageResponse {
  @ApiProperty()
  id: string;

  @ApiProperty({ enum: ['received', 'sent'], description: 'received: from the agent; sent: by an operator' })
  direction: string;

  @ApiProperty()
  capability: string;

  @ApiProperty()
  type: string;

  @ApiProperty({ description: 'Payload, base64 (the first CUSTOM_MESSAGE_MAX_BYTES bytes when truncated)' })
  data: string;

  @ApiProperty({ description: 'Size of the whole payload in bytes' })
  size: number;

  @ApiProperty()
  truncated: boolean;

  @ApiProperty({ nullable: true, type: String, description: 'Who sent it (sent messages)' })
  sent_by: string | null;

  @ApiProperty()
  created_at: string;
}

export class SendCustomMessageResponse {
  @ApiProperty({ enum: ['sent'] })
  status: string;
}

export function toCustomMessageResponse(row: CustomMessageRow): CustomMessageResponse {
  return {
    id: row.id,
    direction: row.direction,
    capability: row.capability,
    type: row.type,
    data: row.data.toString('base64'),
    size: row.size,
    truncated: row.truncated,
    sent_by: row.sent_by,
    created_at: row.created_at.toISOString(),
  };
}
