import { Logger, Module, OnModuleInit } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentDetailContributors } from '../agents/agent-detail-contributors.js';
import { AgentEvents } from '../agents/agent-events.js';
import { AgentsModule } from '../agents/agents.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { AppConfig } from '../config/app-config.js';
import { AgentMessageHandlers } from '../opamp/agent-message-handlers.js';
import { OpampHttpRoutes } from '../opamp/opamp-http-routes.js';
import { BLOB_STORAGE, type BlobStorage } from '../storage/blob-storage.js';
import { AgentDownloadRoute } from './agent-download.route.js';
import { AgentPackageStatusEntity } from './agent-package-status.entity.js';
import { AgentPackageUrls } from './agent-package-urls.js';
import { toAgentPackageStatusResponse } from './dto/deployment.dto.js';
import { PackageAssignmentEntity } from './package-assignment.entity.js';
import { PackageDeploymentsController } from './package-deployments.controller.js';
import { PackageDeploymentsRepository } from './package-deployments.repository.js';
import { PackageDeploymentsService } from './package-deployments.service.js';
import { PackageEntity } from './package.entity.js';
import { PackageOffersHandler } from './package-offers.handler.js';
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
import { HandlerOrder } from '../opamp/handler-order.js';

/** Order of the packages handler among the OpAMP message handlers (inventory 0, configurations 10). */

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
  ],
  exports: [PackagesService, PackageEvents, PackageDeploymentsService],
})
export class PackagesModule implements OnModuleInit {
  private readonly logger = new Logger('PackagesModule');

  constructor(
    private readonly handlers: AgentMessageHandlers,
    private readonly routes: OpampHttpRoutes,
    private readonly offers: PackageOffersHandler,
    private readonly download: AgentDownloadRoute,
    private readonly details: AgentDetailContributors,
    private readonly deployments: PackageDeploymentsService,
    private readonly wakeups: PackageWakeups,
    private readonly events: AgentEvents,
  ) {}

  onModuleInit(): void {
    this.handlers.register(this.offers, HandlerOrder.Packages);
    this.routes.register('/v1/packages/', this.download.handle);
    // Assignments or packages changed on some instance: offer the new set to the agents held here.
    this.wakeups.onChange(() => {
      this.deployments.forgetAssignments();
      this.offerSafely();
    });
    // An operator's label change (on any instance) may put an agent held here under a selector.
    this.events.subscribe((event) => {
      if (event.type === 'labels') {
        this.offerSafely([event.instanceUid]);
      }
    });
    this.details.register('package_statuses', async (uid) =>
      Promise.all(
        (await this.deployments.statusesOfAgent(uid)).map(async (status) => {
          const installed = await this.deployments.installedSignature(status);
          return {
            ...toAgentPackageStatusResponse(status),
            installed_signature_status: installed?.status ?? null,
            installed_signer_fingerprint: installed?.signerFingerprint ?? null,
          };
        }),
      ),
    );
  }

  private offerSafely(instanceUids?: string[]): void {
    this.offers.offerToConnected(instanceUids).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'Offering changed packages failed; agents get them with their next message');
    });
  }
}
