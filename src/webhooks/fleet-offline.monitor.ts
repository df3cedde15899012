import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { ClusterEventBus } from '../events/cluster-event-bus.js';
import { WebhooksRepository } from './webhooks.repository.js';

const CHECK_EVERY_MS = 30_000;

/**
 * Publishes `fleet.agents_offline` when FLEET_OFFLINE_THRESHOLD agents went offline within
 * FLEET_OFFLINE_WINDOW_MINUTES: one event for a mass outage instead of one per agent. Every instance
 * checks; a row in `fleet_alerts` lets one of them fire, once per window.
 */
@Injectable()
export class FleetOfflineMonitor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Webhooks');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly bus: ClusterEventBus,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.check().catch((error: unknown) =>
        this.logger.warn(`Fleet offline check failed: ${(error as Error).message}`),
      );
    }, CHECK_EVERY_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Fires the event when the threshold is reached and no instance fired it this window; returns whether it did. */
  async check(): Promise<boolean> {
    const window = this.config.fleetOfflineWindowMinutes;
    const count = await this.webhooks.claimOfflineAlert(this.config.fleetOfflineThreshold, window);
    if (count === null) {
      return false;
    }
    this.bus.publish({ type: 'fleet', change: 'agents_offline', count, window_minutes: window });
    return true;
  }
}
