import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module.js';
import { ConfigurationsModule } from '../configurations/configurations.module.js';
import { RolloutEngine } from './rollout-engine.js';
import { RolloutEvents } from './rollout-events.js';
import { RolloutJoiners } from './rollout-joiners.js';
import { RolloutPinsRepository } from './rollout-pins.repository.js';
import { RolloutsController } from './rollouts.controller.js';
import { RolloutViewsRepository } from './rollout-views.repository.js';
import { RolloutsRepository } from './rollouts.repository.js';
import { RolloutsService } from './rollouts.service.js';

/**
 * Staged delivery of a configuration version with health gates and automatic rollback. Sits above
 * configurations: it moves agents through the push service and reads what they report.
 */
@Module({
  imports: [AgentsModule, ConfigurationsModule],
  controllers: [RolloutsController],
  providers: [
    RolloutsService,
    RolloutsRepository,
    RolloutViewsRepository,
    RolloutEngine,
    RolloutEvents,
    RolloutJoiners,
    RolloutPinsRepository,
  ],
  exports: [RolloutEvents],
})
export class RolloutsModule {}
