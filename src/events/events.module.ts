import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module.js';
import { ConfigurationsModule } from '../configurations/configurations.module.js';
import { ClusterEventBus } from './cluster-event-bus.js';
import { ConfigurationEvents } from './configuration-events.js';
import { EventsController } from './events.controller.js';
import { LiveEventsService } from './live-events.service.js';

/** Live events, cluster-wide through PostgreSQL: SSE for the console, publish() for features. */
@Module({
  imports: [AgentsModule, ConfigurationsModule],
  controllers: [EventsController],
  providers: [ClusterEventBus, LiveEventsService, ConfigurationEvents],
  exports: [ClusterEventBus, LiveEventsService],
})
export class EventsModule {}
