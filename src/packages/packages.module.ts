import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentsModule } from '../agents/agents.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { AppConfig } from '../config/app-config.js';
import { BLOB_STORAGE, type BlobStorage } from '../storage/blob-storage.js';
import { AgentDownloadRoute } from './agent-download.route.js';
import { AgentPackageStatusEntity } from './agent-package-status.entity.js';
import { AgentPackageUrls } from './agent-package-urls.js';
import { PackageAssignmentEntity } from './package-assignment.entity.js';
import { PackageDeploymentsController } from './package-deployments.controller.js';
import { PackageDeploymentsRepository } from './package-deployments.repository.js';
import { PackageDeploymentsService } from './package-deployments.service.js';
import { PackageEntity } from './package.entity.js';
import { PackageOffersHandler } from './package-offers.handler.js';
import { PackageReoffers } from './package-reoffers.js';
import { PackageStatusesDetail } from './package-statuses.detail.js';
import { PackageUploadStorage } from './package-upload.storage.js';
import { PackageWakeups } from './package-wakeups.js';
import { PackagesController } from './packages.controller.js';
import { PackagesRepository } from './packages.repository.js';
import { PackagesService } from './packages.service.js';
import { PackageBlobsRepository } from './package-blobs.repository.js';
import { StorageReconcileController } from './storage-reconcile.controller.js';
import { StorageReconciler } from './storage-reconciler.js';
import { PackageSignatures } from './signing/package-signatures.js';
import { SigningModule } from './signing/signing.module.js';
import { PackageUploadsService } from './uploads/package-uploads.service.js';
import { UploadsController } from './uploads/uploads.controller.js';
import { PackageEvents } from './package-events.js';

/**
 * Packages: upload, storage, signatures, assignment to agents and OpAMP offers. The offers handler,
 * the agent download route and the agent-detail field plug in through their decorators
 * (@AgentMessageHandler, @OpampHttpRoute, @AgentDetailContributor).
 */
@Module({
  imports: [
    AuthModule,
    AgentsModule,
    TypeOrmModule.forFeature([PackageEntity, PackageAssignmentEntity, AgentPackageStatusEntity]),
    SigningModule,
    MulterModule.registerAsync({
      imports: [SigningModule],
      inject: [BLOB_STORAGE, AppConfig, PackageSignatures],
      useFactory: (storage: BlobStorage, config: AppConfig, signatures: PackageSignatures) => ({
        storage: new PackageUploadStorage(storage, config.packageMaxBytes, signatures),
        // The file size is enforced by the storage engine while it streams (413 with the limit named).
        limits: { files: 2, fields: 16, fieldSize: 128 * 1024 },
      }),
    }),
  ],
  controllers: [PackageDeploymentsController, PackagesController, StorageReconcileController, UploadsController],
  providers: [
    PackagesService,
    PackagesRepository,
    PackageDeploymentsService,
    PackageDeploymentsRepository,
    PackageOffersHandler,
    AgentPackageUrls,
    AgentDownloadRoute,
    PackageWakeups,
    PackageBlobsRepository,
    StorageReconciler,
    PackageUploadsService,
    PackageEvents,
    PackageReoffers,
    PackageStatusesDetail,
  ],
  exports: [PackagesService, PackageEvents, PackageDeploymentsService],
})
export class PackagesModule {}
