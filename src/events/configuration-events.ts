import { Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigChangeNotifier } from '../configurations/config-change-notifier.js';
import { ClusterEventBus } from './cluster-event-bus.js';

/** Publishes committed configuration writes as live events (`configuration.created` / `.updated`). */
@Injectable()
export class ConfigurationEvents implements OnModuleInit {
  constructor(
    private readonly notifier: ConfigChangeNotifier,
    private readonly bus: ClusterEventBus,
  ) {}

  onModuleInit(): void {
    this.notifier.register({
      configurationWritten: (result) => {
        if (result.created || result.newVersion) {
          this.bus.publish({
            type: 'configuration',
            change: result.created ? 'created' : 'updated',
            configuration_id: result.configuration.id,
          });
        }
        return Promise.resolve();
      },
    });
  }
}
