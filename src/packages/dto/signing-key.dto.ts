import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import type { SigningKeyEntity } from '../signing/signing-key.entity.js';

export class AddSigningKeyRequest {
  @ApiProperty({
    description: 'ASCII-armored OpenPGP public key (`gpg --armor --export KEYID`); private keys are refused',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(256 * 1024)
  armored_key: string;
}

export class SigningKeyResponse {
  @ApiProperty()
  id: number;

  @ApiProperty({ description: 'Primary key fingerprint, lowercase hex' })
  fingerprint: string;

  @ApiProperty({ description: 'Long key id, lowercase hex' })
  key_id: string;

  @ApiProperty({ type: [String], example: ['Release Signing <release@example.com>'] })
  user_ids: string[];

  @ApiProperty({ example: 'eddsaLegacy ed25519Legacy' })
  algorithm: string;

  @ApiProperty({ description: 'When the key was made' })
  key_created_at: string;

  @ApiProperty({ nullable: true, type: String, description: 'When the key expires (null: never)' })
  expires_at: string | null;

  @ApiProperty()
  revoked: boolean;

  @ApiProperty({ nullable: true, type: String, description: 'The user who added it' })
  added_by: string | null;

  @ApiProperty()
  armored_key: string;

  @ApiProperty()
  created_at: string;
}

export function toSigningKeyResponse(k: SigningKeyEntity): SigningKeyResponse {
  return {
    id: k.id,
    fingerprint: k.fingerprint,
    key_id: k.keyId,
    user_ids: k.userIds,
    algorithm: k.algorithm,
    key_created_at: k.keyCreatedAt.toISOString(),
    expires_at: k.expiresAt?.toISOString() ?? null,
    revoked: k.revoked,
    added_by: k.addedBy,
    armored_key: k.armoredKey,
    created_at: k.createdAt.toISOString(),
  };
}
