import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module.js';
import { ConfigurationsModule } from '../configurations/configurations.module.js';
import { RolloutsModule } from '../rollouts/rollouts.module.js';
import { EventsController } from './events.controller.js';
import { LiveEventsService } from './live-events.service.js';

/** The console's live view: agent and apply-state changes streamed over HTTP (SSE). */
@Module({
  imports: [AgentsModule, ConfigurationsModule, RolloutsModule],
  controllers: [EventsController],
  providers: [LiveEventsService],
})
export class EventsModule {}
