import { Module } from '@nestjs/common';
import { resolveJwtSecret } from '../auth/jwt-secret.js';
import { AppConfig } from '../config/app-config.js';
import { HeaderCipher } from '../connection-settings/header-cipher.js';
import { EventsModule } from '../events/events.module.js';
import { FleetOfflineMonitor } from './fleet-offline.monitor.js';
import { WebhookDeliveryWorker } from './webhook-delivery.worker.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksRepository } from './webhooks.repository.js';
import { WEBHOOK_CIPHER, WebhooksService } from './webhooks.service.js';

/** Webhooks: live events delivered, signed and retried, to outside receivers. */
@Module({
  imports: [EventsModule],
  controllers: [WebhooksController],
  providers: [
    WebhooksRepository,
    WebhooksService,
    WebhookDispatcher,
    WebhookDeliveryWorker,
    FleetOfflineMonitor,
    {
      provide: WEBHOOK_CIPHER,
      inject: [AppConfig],
      // Same key material as connection-settings headers (the shared JWT secret), its own derived key.
      useFactory: (config: AppConfig) =>
        new HeaderCipher(resolveJwtSecret(config.jwtSecret, config.dataDir), 'webhook-secrets'),
    },
  ],
})
export class WebhooksModule {}
