import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import type { AgentKeyEntity } from '../agent-key.entity.js';

export class CreateAgentKeyRequest {
  @ApiProperty({ example: 'production collectors' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  name: string;
}

export class AgentKeyResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ description: 'The first characters of the key, to recognise it' })
  prefix: string;

  @ApiProperty()
  created_at: string;

  @ApiProperty({ nullable: true, type: String })
  revoked_at: string | null;

  @ApiProperty({ nullable: true, type: String })
  last_used_at: string | null;
}

export class CreatedAgentKeyResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ description: 'The enrollment key. Shown only in this response; store it now.' })
  key: string;

  @ApiProperty()
  prefix: string;
}

export function toAgentKeyResponse(key: AgentKeyEntity): AgentKeyResponse {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    created_at: key.createdAt.toISOString(),
    revoked_at: key.revokedAt?.toISOString() ?? null,
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
  };
}
