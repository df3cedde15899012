import type { AppConfig } from '../../config/app-config.js';
import { createS3Client } from '../../storage/s3-blob-storage.js';
import { FilesystemUploadArea } from './filesystem-upload-area.js';
import { S3UploadArea } from './s3-upload-area.js';
import type { UploadArea } from './upload-area.js';

/** The upload area of the configured storage driver (resumable uploads live beside the package blobs). */
export function createUploadArea(config: AppConfig): UploadArea {
  const expiryMs = config.uploadExpiryHours * 3_600_000;
  switch (config.storageDriver) {
    case 'filesystem':
      return new FilesystemUploadArea(config.blobDir, expiryMs);
    case 's3':
      return new S3UploadArea(createS3Client(config.s3), config.s3.bucket, config.s3, expiryMs);
  }
}
