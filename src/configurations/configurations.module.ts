import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentsModule } from '../agents/agents.module.js';
import { ConfigHistoryModule } from '../config-history/config-history.module.js';
import { AgentApplyHistoryController } from './agent-apply-history.controller.js';
import { ApplyEvents } from './apply-events.js';
import { ApplyHistoryRepository } from './apply-history.repository.js';
import { ApplyHistoryService } from './apply-history.service.js';
import { ApplyRecordEntity } from './apply-record.entity.js';
import { ConfigAssignmentRepository } from './config-assignment.repository.js';
import { ConfigAssignmentService } from './config-assignment.service.js';
import { ConfigChangeNotifier } from './config-change-notifier.js';
import { AssignmentWakeups } from './assignment-wakeups.js';
import { ConfigAgentEvents } from './config-agent-events.js';
import { ConfigDelivery } from './config-delivery.js';
import { ConfigPushService } from './config-push.service.js';
import { ConfigHistoryController } from './config-history.controller.js';
import { ConfigurationDetail } from './configuration.detail.js';
import { ConfigurationEntity } from './configuration.entity.js';
import { ConfigurationsController } from './configurations.controller.js';
import { ConfigurationsRepository } from './configurations.repository.js';
import { ConfigurationsService } from './configurations.service.js';
import { DesiredConfigCache } from './desired-config.cache.js';
import { RemoteConfigHandler } from './remote-config.handler.js';
import { ViewerRedaction } from './viewer-redaction.js';

/**
 * Configurations, assignment to agents and apply history. Versions live in ConfigHistoryModule;
 * every write passes its transaction to it, so a version row shares the configuration's
 * transaction and lock. The OpAMP handler, the change listeners and the agent-detail field plug
 * in through their decorators (@AgentMessageHandler, @ConfigChangeListener, @AgentDetailContributor).
 */
@Module({
  imports: [
    DiscoveryModule,
    AgentsModule,
    ConfigHistoryModule,
    TypeOrmModule.forFeature([ConfigurationEntity, ApplyRecordEntity]),
  ],
  controllers: [ConfigurationsController, ConfigHistoryController, AgentApplyHistoryController],
  providers: [
    ConfigurationsService,
    ConfigurationsRepository,
    ConfigAssignmentService,
    ConfigAssignmentRepository,
    ApplyHistoryService,
    ApplyHistoryRepository,
    ApplyEvents,
    ConfigChangeNotifier,
    DesiredConfigCache,
    RemoteConfigHandler,
    ConfigDelivery,
    ConfigPushService,
    ConfigAgentEvents,
    ConfigurationDetail,
    AssignmentWakeups,
    ViewerRedaction,
  ],
  exports: [
    ConfigurationsService,
    ConfigAssignmentService,
    ApplyHistoryService,
    ConfigPushService,
    ApplyEvents,
    DesiredConfigCache,
  ],
})
export class ConfigurationsModule {}
