import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InstanceIdentity } from '../agents/instance-identity.js';
import { PgNotifications } from '../database/pg-notifications.js';
import { OpampGateway } from '../opamp/opamp-gateway.js';
import { ASSIGNMENT_CHANNEL, type AssignmentNotification } from './assignment.store.js';
import { ConfigPushService } from './config-push.service.js';
import { DesiredConfigCache } from './desired-config.cache.js';
import { RemoteConfigHandler } from './remote-config.handler.js';

/**
 * Listens for assignment changes committed by other server instances (PostgreSQL LISTEN/NOTIFY,
 * no extra service): drops the stale cache entries and offers the new config at once to the
 * affected agents connected here. Notifications missed while the listening connection was down
 * cannot be replayed, so a reconnect starts from an empty cache.
 */
@Injectable()
export class AssignmentWakeups implements OnApplicationBootstrap {
  private readonly logger = new Logger('AssignmentWakeups');

  constructor(
    private readonly notifications: PgNotifications,
    private readonly identity: InstanceIdentity,
    private readonly cache: DesiredConfigCache,
    private readonly handler: RemoteConfigHandler,
    private readonly push: ConfigPushService,
    private readonly gateway: OpampGateway,
  ) {}

  onApplicationBootstrap(): void {
    this.notifications.listen(ASSIGNMENT_CHANNEL, (payload) => {
      this.receive(payload).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'Could not apply an assignment wake-up');
      });
    });
    this.notifications.onReconnect(() => this.cache.forget());
  }

  /** Applies one wake-up; public so the contract is testable without a second instance. */
  async receive(payload: string | undefined): Promise<void> {
    let notification: AssignmentNotification;
    try {
      notification = JSON.parse(payload ?? '') as AssignmentNotification;
    } catch {
      return;
    }
    if (notification.origin === this.identity.id) {
      return;
    }
    if (notification.push && notification.instanceUids) {
      await this.push.deliverForwarded(notification.push, notification.instanceUids);
      return;
    }
    if (!notification.instanceUids) {
      this.cache.forget();
      return;
    }
    this.cache.forget(notification.instanceUids);
    this.handler.allowOffer(notification.instanceUids);
    const connected = notification.instanceUids.filter((uid) => this.gateway.isConnected(uid));
    if (connected.length > 0) {
      await this.push.offerToConnected(connected);
    }
  }
}
