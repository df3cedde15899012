import { Injectable, Logger } from '@nestjs/common';
import { PgNotifications } from '../database/pg-notifications.js';

/** Channel on which a committed change to what agents should have wakes every instance. */
export const PACKAGES_CHANNEL = 'opamp_package_offers';

/**
 * Tells every server instance (this one too) that package assignments or packages changed, so
 * each offers the new set at once to the WebSocket agents it holds instead of at their next
 * heartbeat. The payload is an id only. A lost wake-up heals at the agent's next message, once
 * the assignment cache has expired.
 */
@Injectable()
export class PackageWakeups {
  private readonly logger = new Logger(PackageWakeups.name);

  constructor(private readonly notifications: PgNotifications) {}

  /**
   * Called after the change committed; `what` names it, e.g. "assignment 12". Never throws: the
   * change stands, and agents pick it up with their next message when the wake-up is lost.
   */
  async changed(what: string): Promise<void> {
    await this.notifications.notify(PACKAGES_CHANNEL, what).catch((error: unknown) => {
      this.logger.warn(
        { err: error },
        `Could not wake the instances after ${what}; agents get it with their next message`,
      );
    });
  }

  onChange(listener: () => void): void {
    this.notifications.listen(PACKAGES_CHANNEL, listener);
    this.notifications.onReconnect(listener);
  }
}
