import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { AgentLabelCache } from './agent-label-cache.js';
import { ConfigurationsModule } from '../configurations/configurations.module.js';
import { PackagesModule } from '../packages/packages.module.js';
import { RolloutsModule } from '../rollouts/rollouts.module.js';
import { ClusterEventBus } from './cluster-event-bus.js';
import { ConfigurationEvents } from './configuration-events.js';
import { EventsController } from './events.controller.js';
import { EventsGateway } from './events.gateway.js';
import { LiveEventsService } from './live-events.service.js';

/** Live events, cluster-wide through PostgreSQL: SSE and WebSocket subscribers, publish() for features. */
@Module({
  imports: [AgentsModule, ConfigurationsModule, AuthModule, PackagesModule, RolloutsModule],
  controllers: [EventsController],
  providers: [ClusterEventBus, LiveEventsService, ConfigurationEvents, AgentLabelCache, EventsGateway],
  exports: [ClusterEventBus, LiveEventsService],
})
export class EventsModule {}
