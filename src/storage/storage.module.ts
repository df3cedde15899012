import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { BLOB_STORAGE, type BlobStorage } from './blob-storage.js';
import { FilesystemBlobStorage } from './filesystem-blob-storage.js';
import { createS3Client, S3BlobStorage } from './s3-blob-storage.js';

async function createStorage(config: AppConfig): Promise<BlobStorage> {
  switch (config.storageDriver) {
    case 'filesystem':
      return new FilesystemBlobStorage(config.blobDir);
    case 's3': {
      const storage = new S3BlobStorage(createS3Client(config.s3), config.s3.bucket);
      // Failing here stops the start with the store's own error, rather than on the first upload.
      await storage.ensureBucket();
      return storage;
    }
  }
}

/** Provides BLOB_STORAGE, the driver chosen by STORAGE_DRIVER. */
@Global()
@Module({
  providers: [{ provide: BLOB_STORAGE, inject: [AppConfig], useFactory: createStorage }],
  exports: [BLOB_STORAGE],
})
export class StorageModule {}
