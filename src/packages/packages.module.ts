import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { BLOB_STORAGE, type BlobStorage } from '../storage/blob-storage.js';
import { PackageEntity } from './package.entity.js';
import { PackageUploadStorage } from './package-upload.storage.js';
import { PackagesController } from './packages.controller.js';
import { PackagesRepository } from './packages.repository.js';
import { PackagesService } from './packages.service.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([PackageEntity]),
    MulterModule.registerAsync({
      inject: [BLOB_STORAGE, AppConfig],
      useFactory: (storage: BlobStorage, config: AppConfig) => ({
        storage: new PackageUploadStorage(storage, config.packageMaxBytes),
        // The file size is enforced by the storage engine while it streams (413 with the limit named).
        limits: { files: 2, fields: 16, fieldSize: 128 * 1024 },
      }),
    }),
  ],
  controllers: [PackagesController],
  providers: [PackagesService, PackagesRepository],
  exports: [PackagesService],
})
export class PackagesModule {}
