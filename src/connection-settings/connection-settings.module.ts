import { Module } from '@nestjs/common';
import { resolveJwtSecret } from '../auth/jwt-secret.js';
import { AppConfig } from '../config/app-config.js';
import { ConnectionSettingsController } from './connection-settings.controller.js';
import { ConnectionSettingsHandler } from './connection-settings.handler.js';
import { ConnectionSettingsRepository } from './connection-settings.repository.js';
import { ConnectionSettingsRules } from './connection-settings.rules.js';
import { ConnectionSettingsService } from './connection-settings.service.js';
import { HeaderCipher } from './header-cipher.js';

/**
 * Connection settings offered to agents over OpAMP: the heartbeat interval (OPAMP_HEARTBEAT_SECONDS)
 * and operator-defined own-telemetry destinations, offered when they change (hash flow).
 */
@Module({
  controllers: [ConnectionSettingsController],
  providers: [
    {
      provide: HeaderCipher,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new HeaderCipher(resolveJwtSecret(config.jwtSecret, config.dataDir)),
    },
    ConnectionSettingsRepository,
    ConnectionSettingsRules,
    ConnectionSettingsService,
    ConnectionSettingsHandler,
  ],
})
export class ConnectionSettingsModule {}
