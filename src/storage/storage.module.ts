import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { BLOB_STORAGE, type BlobStorage } from './blob-storage.js';
import { FilesystemBlobStorage } from './filesystem-blob-storage.js';

function createStorage(config: AppConfig): BlobStorage {
  switch (config.storageDriver) {
    case 'filesystem':
      return new FilesystemBlobStorage(config.blobDir);
    case 's3':
      throw new Error('STORAGE_DRIVER=s3 is not available yet');
  }
}

/** Provides BLOB_STORAGE, the driver chosen by STORAGE_DRIVER. */
@Global()
@Module({
  providers: [{ provide: BLOB_STORAGE, inject: [AppConfig], useFactory: createStorage }],
  exports: [BLOB_STORAGE],
})
export class StorageModule {}
