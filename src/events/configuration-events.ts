import { Injectable } from '@nestjs/common';
import {
  ConfigChangeListener,
  ConfigListenerOrder,
  type WriteResult,
} from '../configurations/config-change-notifier.js';
import { ClusterEventBus } from './cluster-event-bus.js';

/** Publishes committed configuration writes as live events (`configuration.created` / `.updated`). */
@Injectable()
@ConfigChangeListener(ConfigListenerOrder.LiveEvents)
export class ConfigurationEvents implements ConfigChangeListener {
  constructor(private readonly bus: ClusterEventBus) {}

  configurationWritten(result: WriteResult): Promise<void> {
    if (result.created || result.newVersion) {
      this.bus.publish({
        type: 'configuration',
        change: result.created ? 'created' : 'updated',
        configuration_id: result.configuration.id,
      });
    }
    return Promise.resolve();
  }
}
