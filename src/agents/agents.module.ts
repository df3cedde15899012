import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module.js';
import { AgentKeyAuthenticator } from './agent-key.authenticator.js';
import { AgentDetailContributors } from './agent-detail-contributors.js';
import { AgentEvents } from './agent-events.js';
import { AgentInventoryHandler } from './agent-inventory.handler.js';
import { AgentEntity } from './agent.entity.js';
import { AgentsController } from './agents.controller.js';
import { AgentsRepository } from './agents.repository.js';
import { AgentsService } from './agents.service.js';
import { CustomMessagesController } from './custom-messages.controller.js';
import { CustomMessagesHandler } from './custom-messages.handler.js';
import { CustomMessagesRepository } from './custom-messages.repository.js';
import { CustomMessagesService } from './custom-messages.service.js';
import { InstanceIdentity } from './instance-identity.js';

/** The agent inventory: persisted from OpAMP messages, read and labelled through the REST API. */
@Module({
  imports: [DiscoveryModule, TypeOrmModule.forFeature([AgentEntity]), AuthModule],
  controllers: [AgentsController, CustomMessagesController],
  providers: [
    AgentsService,
    AgentsRepository,
    AgentInventoryHandler,
    AgentKeyAuthenticator,
    AgentEvents,
    AgentDetailContributors,
    InstanceIdentity,
    CustomMessagesRepository,
    CustomMessagesService,
    CustomMessagesHandler,
  ],
  exports: [AgentsService, AgentsRepository, AgentEvents, InstanceIdentity, AgentInventoryHandler],
})
export class AgentsModule {}
