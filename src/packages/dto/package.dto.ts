import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBase64, IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { PageQuery } from '../../common/pagination.js';
import type { PackageEntity } from '../package.entity.js';
import { SIGNATURE_STATUSES, type SignatureStatus } from '../signing/signature-verifier.js';
import { PACKAGE_ARCHES, PACKAGE_NAME_PATTERN, PACKAGE_PLATFORMS, SEMVER_PATTERN } from '../package-rules.js';

const NAME_MESSAGE =
  'name must start with a letter or digit and contain only letters, digits, ".", "_" or "-" (at most 128)';
const VERSION_MESSAGE = 'version must be a semantic version such as 1.2.3 or 1.2.3-rc.1';

/** The text fields of the multipart upload (the `file` part and an optional `signature` file part ride alongside). */
export class UploadPackageFields {
  @ApiProperty({ example: 'opamp-agent', pattern: PACKAGE_NAME_PATTERN.source })
  @IsString()
  @Matches(PACKAGE_NAME_PATTERN, { message: NAME_MESSAGE })
  name: string;

  @ApiProperty({ example: '1.0.0', description: 'Semantic version (https://semver.org)' })
  @IsString()
  @MaxLength(128, { message: VERSION_MESSAGE })
  @Matches(SEMVER_PATTERN, { message: VERSION_MESSAGE })
  version: string;

  @ApiProperty({ enum: PACKAGE_PLATFORMS, example: 'linux' })
  @IsIn(PACKAGE_PLATFORMS, { message: `platform must be one of ${PACKAGE_PLATFORMS.join(', ')}` })
  platform: string;

  @ApiProperty({ enum: PACKAGE_ARCHES, example: 'amd64' })
  @IsIn(PACKAGE_ARCHES, { message: `arch must be one of ${PACKAGE_ARCHES.join(', ')}` })
  arch: string;

  @ApiPropertyOptional({ example: 'Production Agent v1.0.0' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  description?: string;

  @ApiPropertyOptional({ description: 'Expected SHA-256 (hex); a mismatch is refused with 422 and nothing is kept' })
  @IsOptional()
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'checksum must be a SHA-256 in hex (64 characters)' })
  checksum?: string;

  @ApiPropertyOptional({
    description:
      'Detached signature as base64 text; or send it as a file part named `signature` instead (at most 64 KiB)',
  })
  @IsOptional()
  @IsBase64(undefined, { message: 'signature must be base64 (or send it as a file part)' })
  @MaxLength(90_000, { message: 'signature must be at most 64 KiB' })
  signature?: string;
}

export class SignPackageRequest {
  @ApiProperty({
    description: 'Detached OpenPGP signature of the stored file: base64 of the binary signature, or armored text',
  })
  @IsString()
  @MaxLength(90_000, { message: 'signature must be at most 64 KiB' })
  signature: string;
}

/** Swagger's view of the whole multipart body. */
export class UploadPackageRequest extends UploadPackageFields {
  @ApiProperty({ type: 'string', format: 'binary', description: 'The package file (streamed; PACKAGE_MAX_BYTES)' })
  file: unknown;
}

export class ListPackagesQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Exact name (case-insensitive)' })
  @IsOptional()
  @IsString()
  name?: string;

  @ApiPropertyOptional({ enum: PACKAGE_PLATFORMS })
  @IsOptional()
  @IsIn(PACKAGE_PLATFORMS)
  platform?: string;

  @ApiPropertyOptional({ enum: PACKAGE_ARCHES })
  @IsOptional()
  @IsIn(PACKAGE_ARCHES)
  arch?: string;
}

export class LatestPackageQuery {
  @ApiProperty()
  @IsString()
  name: string;

  @ApiPropertyOptional({ enum: PACKAGE_PLATFORMS })
  @IsOptional()
  @IsIn(PACKAGE_PLATFORMS)
  platform?: string;

  @ApiPropertyOptional({ enum: PACKAGE_ARCHES })
  @IsOptional()
  @IsIn(PACKAGE_ARCHES)
  arch?: string;

  @ApiPropertyOptional({ default: false, description: 'Consider pre-release versions (1.2.0-rc.1) too' })
  @IsOptional()
  @Transform(({ value }) => value === true || value === 'true' || value === '1')
  @IsBoolean()
  include_prerelease?: boolean;
}

export class StatsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 50, description: 'How many packages to rank' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  top: number = 50;
}

export class PackageResponse {
  @ApiProperty({ example: 1 })
  id: number;

  @ApiProperty({ example: 'opamp-agent' })
  name: string;

  @ApiProperty({ example: '1.0.0' })
  version: string;

  @ApiProperty({ enum: PACKAGE_PLATFORMS })
  platform: string;

  @ApiProperty({ enum: PACKAGE_ARCHES })
  arch: string;

  @ApiProperty({ description: 'Bytes' })
  file_size: number;

  @ApiProperty({ description: 'SHA-256 of the file, hex' })
  checksum: string;

  @ApiProperty({ example: 'packages/0b6f3c0e-8d0e-4c53-a7d4-6f7a36d2e1b9' })
  storage_path: string;

  @ApiProperty()
  description: string;

  @ApiProperty()
  is_active: boolean;

  @ApiProperty({ description: 'A detached signature was uploaded with the file' })
  has_signature: boolean;

  @ApiProperty({
    enum: SIGNATURE_STATUSES,
    description:
      'valid: a trusted key signed this file; invalid: the signature does not match; unknown_key, ' +
      'expired_key, revoked_key: the signing key is not trusted, expired or revoked; unsigned; ' +
      'unchecked: stored while PACKAGE_SIGNATURE_POLICY=off',
  })
  signature_status: SignatureStatus;

  @ApiProperty({ nullable: true, type: String, description: 'Fingerprint of the trusted key that signed it' })
  signer_fingerprint: string | null;

  @ApiProperty({ nullable: true, type: String, description: 'When the signature was checked' })
  signature_checked_at: string | null;

  @ApiProperty({ description: 'Completed downloads (see README: the download-count rule)' })
  download_count: number;

  @ApiProperty()
  created_at: string;

  @ApiProperty()
  updated_at: string;
}

export class PackageDownloadStats {
  @ApiProperty()
  id: number;

  @ApiProperty()
  name: string;

  @ApiProperty()
  version: string;

  @ApiProperty()
  platform: string;

  @ApiProperty()
  arch: string;

  @ApiProperty()
  file_size: number;

  @ApiProperty()
  download_count: number;

  @ApiProperty({ nullable: true, type: String })
  last_downloaded_at: string | null;
}

export class PackageStatsResponse {
  @ApiProperty({ description: 'Number of packages stored' })
  total_packages: number;

  @ApiProperty({ description: 'Bytes of storage used by package files' })
  total_bytes: number;

  @ApiProperty({ description: 'Completed downloads of all packages' })
  total_downloads: number;

  @ApiProperty({ type: [PackageDownloadStats], description: 'The most downloaded packages first' })
  packages: PackageDownloadStats[];
}

export function toPackageResponse(p: PackageEntity): PackageResponse {
  return {
    id: p.id,
    name: p.name,
    version: p.version,
    platform: p.platform,
    arch: p.arch,
    file_size: p.fileSize,
    checksum: p.checksum,
    storage_path: p.storagePath,
    description: p.description,
    is_active: p.isActive,
    has_signature: p.signature !== null && p.signature.length > 0,
    signature_status: p.signatureStatus,
    signer_fingerprint: p.signerFingerprint,
    signature_checked_at: p.signatureCheckedAt?.toISOString() ?? null,
    download_count: p.downloadCount,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

export function toPackageDownloadStats(p: PackageEntity): PackageDownloadStats {
  return {
    id: p.id,
    name: p.name,
    version: p.version,
    platform: p.platform,
    arch: p.arch,
    file_size: p.fileSize,
    download_count: p.downloadCount,
    last_downloaded_at: p.lastDownloadedAt?.toISOString() ?? null,
  };
}
