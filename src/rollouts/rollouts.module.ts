import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module.js';
import { ConfigurationsModule } from '../configurations/configurations.module.js';
import { PackagesModule } from '../packages/packages.module.js';
import { PackageRolloutSteps } from './package-rollout.steps.js';
import { PackageRolloutsRepository } from './package-rollouts.repository.js';
import { PackageRolloutsService } from './package-rollouts.service.js';
import { RolloutEngine } from './rollout-engine.js';
import { RolloutEvents } from './rollout-events.js';
import { RolloutJoiners } from './rollout-joiners.js';
import { RolloutPinsRepository } from './rollout-pins.repository.js';
import { RolloutsController } from './rollouts.controller.js';
import { RolloutViewsRepository } from './rollout-views.repository.js';
import { RolloutsRepository } from './rollouts.repository.js';
import { RolloutsService } from './rollouts.service.js';

/**
 * Staged delivery of a configuration version, or of a package version through a held package
 * assignment, with health gates and automatic rollback. Sits above configurations and packages:
 * it moves agents through the push service or the assignment's reach, and reads what they report.
 */
@Module({
  imports: [AgentsModule, ConfigurationsModule, PackagesModule],
  controllers: [RolloutsController],
  providers: [
    RolloutsService,
    RolloutsRepository,
    RolloutViewsRepository,
    RolloutEngine,
    RolloutEvents,
    RolloutJoiners,
    RolloutPinsRepository,
    PackageRolloutsService,
    PackageRolloutsRepository,
    PackageRolloutSteps,
  ],
  exports: [RolloutEvents],
})
export class RolloutsModule {}
