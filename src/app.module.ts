import { DynamicModule, Module } from '@nestjs/common';
import { AgentsModule } from './agents/agents.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { ConfigurationsModule } from './configurations/configurations.module.js';
import { ConnectionSettingsModule } from './connection-settings/connection-settings.module.js';
import { EventsModule } from './events/events.module.js';
import { DriftModule } from './drift/drift.module.js';
import { DatabaseModule, type EmbeddedStatusSource } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { OpampModule } from './opamp/opamp.module.js';
import { OverviewModule } from './overview/overview.module.js';
import { PackagesModule } from './packages/packages.module.js';
import { RedactionModule } from './redaction/redaction.module.js';
import { RolloutsModule } from './rollouts/rollouts.module.js';
import { ServerInfoModule } from './server-info/server-info.module.js';
import { StorageModule } from './storage/storage.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

@Module({})
export class AppModule {
  /** The whole application on a validated config and a resolved database URL. */
  static forRoot(config: AppConfig, databaseUrl: string, embeddedStatus?: EmbeddedStatusSource): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(databaseUrl, embeddedStatus),
        StorageModule,
        RedactionModule,
        MetricsModule,
        AuthModule,
        ConfigurationsModule,
        HealthModule,
        OpampModule,
        AgentsModule,
        PackagesModule,
        ConnectionSettingsModule,
        DriftModule,
        RolloutsModule,
        EventsModule,
        AuditModule,
        WebhooksModule,
        OverviewModule,
        ServerInfoModule,
      ],
    };
  }
}
