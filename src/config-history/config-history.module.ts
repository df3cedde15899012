import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConfigHistoryRepository } from './config-history.repository.js';
import { ConfigHistoryService } from './config-history.service.js';
import { ConfigurationVersionEntity } from './configuration-version.entity.js';

/**
 * Configuration versions (configuration_history). Below configurations and rollouts: it imports no
 * feature module, and its writes join the caller's transaction through an EntityManager.
 */
@Module({
  imports: [TypeOrmModule.forFeature([ConfigurationVersionEntity])],
  providers: [ConfigHistoryService, ConfigHistoryRepository],
  exports: [ConfigHistoryService],
})
export class ConfigHistoryModule {}
