import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module.js';
import { ConfigurationsModule } from '../configurations/configurations.module.js';
import { DriftController } from './drift.controller.js';
import { DriftHandler } from './drift.handler.js';
import { DriftMetrics } from './drift.metrics.js';
import { DriftRepository } from './drift.repository.js';
import { DriftService } from './drift.service.js';

/** Drift of effective configs from desired configurations: above agents and configurations. */
@Module({
  imports: [AgentsModule, ConfigurationsModule],
  controllers: [DriftController],
  providers: [DriftService, DriftRepository, DriftHandler, DriftMetrics],
})
export class DriftModule {}
