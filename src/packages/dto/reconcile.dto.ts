import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import type { IncompleteWrite, StoredObject } from '../../storage/blob-storage.js';
import type { ReconcileReport } from '../storage-reconciler.js';

export class ReconcileQuery {
  @ApiPropertyOptional({ description: 'List what would be removed without removing it (default true on GET)' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : (value as unknown)))
  @IsBoolean({ message: 'dry_run must be true or false' })
  dry_run?: boolean;
}

export class LeftoverWrite {
  @ApiProperty({ enum: ['temp_file', 'multipart_upload'] })
  kind: string;

  @ApiProperty({ description: 'Temp file name, or multipart upload id' })
  id: string;

  @ApiPropertyOptional({ description: 'The object key a multipart upload was for' })
  key?: string;

  @ApiPropertyOptional()
  size?: number;

  @ApiProperty()
  started_at: string;
}

export class OrphanBlob {
  @ApiProperty()
  key: string;

  @ApiProperty()
  size: number;

  @ApiProperty()
  modified_at: string;
}

export class ReconcileResponse {
  @ApiProperty()
  dry_run: boolean;

  @ApiProperty({ description: 'False when another instance was reconciling and this request did nothing' })
  ran: boolean;

  @ApiProperty()
  started_at: string;

  @ApiProperty({ type: [LeftoverWrite], description: 'Temp files older than STORAGE_RECONCILE_TEMP_MAX_AGE' })
  temp_files: LeftoverWrite[];

  @ApiProperty({
    type: [LeftoverWrite],
    description: 'Multipart uploads older than STORAGE_RECONCILE_MULTIPART_MAX_AGE',
  })
  multipart_uploads: LeftoverWrite[];

  @ApiProperty({
    type: [OrphanBlob],
    description: 'Blobs no package references, older than STORAGE_RECONCILE_ORPHAN_GRACE',
  })
  orphan_blobs: OrphanBlob[];

  @ApiProperty({ type: [String], description: 'Steps that failed (the rest still ran)' })
  errors: string[];
}

function toLeftover(write: IncompleteWrite): LeftoverWrite {
  return {
    kind: write.kind,
    id: write.id,
    key: write.key,
    size: write.size,
    started_at: write.startedAt.toISOString(),
  };
}

function toOrphan(blob: StoredObject): OrphanBlob {
  return { key: blob.key, size: blob.size, modified_at: blob.modifiedAt.toISOString() };
}

export function toReconcileResponse(report: ReconcileReport): ReconcileResponse {
  return {
    dry_run: report.dryRun,
    ran: report.ran,
    started_at: report.startedAt.toISOString(),
    temp_files: report.tempFiles.map(toLeftover),
    multipart_uploads: report.multipartUploads.map(toLeftover),
    orphan_blobs: report.orphanBlobs.map(toOrphan),
    errors: report.errors,
  };
}
