import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InstanceIdentity } from '../agents/instance-identity.js';
import { PgNotifications } from '../database/pg-notifications.js';
import { ASSIGNMENT_CHANNEL, type AssignmentNotification, type ForwardedPush } from './assignment.store.js';
import { ConfigPushService } from './config-push.service.js';
import { DesiredConfigCache } from './desired-config.cache.js';
import { RemoteConfigHandler } from './remote-config.handler.js';

/**
 * A change to many agents arrives as a burst of wake-ups (150 agents each, sent by one
 * statement); gathering them for this long makes it one round of queries and offers.
 */
const GATHER_MS = 20;

/** Wake-ups of one burst: agents whose assignment changed, and forwarded pushes by id. */
interface Gathered {
  changed: Set<string>;
  pushes: Map<string, { push: ForwardedPush; uids: string[] }>;
}

/**
 * Listens for assignment changes committed by other server instances (PostgreSQL LISTEN/NOTIFY,
 * no extra service): drops the stale cache entries and offers the new config at once to the
 * affected agents connected here, however many they are. Notifications missed while the
 * listening connection was down cannot be replayed: on reconnect the desired state of every
 * agent held here is read again, and those whose state changed meanwhile get it at once.
 */
@Injectable()
export class AssignmentWakeups implements OnApplicationBootstrap {
  private readonly logger = new Logger('AssignmentWakeups');
  private gathered?: Gathered;

  constructor(
    private readonly notifications: PgNotifications,
    private readonly identity: InstanceIdentity,
    private readonly cache: DesiredConfigCache,
    private readonly handler: RemoteConfigHandler,
    private readonly push: ConfigPushService,
  ) {}

  onApplicationBootstrap(): void {
    this.notifications.listen(ASSIGNMENT_CHANNEL, (payload) => {
      this.receive(payload).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'Could not apply an assignment wake-up');
      });
    });
    this.notifications.onReconnect(() => {
      this.push.reconcileHeld().catch((error: unknown) => {
        this.logger.warn(
          { err: error },
          'Could not re-read desired configs after the notification connection came back',
        );
      });
    });
  }

  /**
   * Applies one wake-up, together with the others of the same burst; resolves once they are
   * offered. Public so the contract is testable without a second instance.
   */
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
    if (!notification.instanceUids) {
      // From a writer that did not list the agents: compare every agent held here.
      await this.push.reconcileHeld();
      return;
    }
    const first = !this.gathered;
    const gathered: Gathered = (this.gathered ??= { changed: new Set(), pushes: new Map() });
    if (notification.push) {
      const entry = gathered.pushes.get(notification.push.pushId) ?? { push: notification.push, uids: [] };
      entry.uids.push(...notification.instanceUids);
      gathered.pushes.set(notification.push.pushId, entry);
    } else {
      notification.instanceUids.forEach((uid) => gathered.changed.add(uid));
    }
    if (first) {
      await new Promise((resolve) => setTimeout(resolve, GATHER_MS));
      this.gathered = undefined;
      await this.apply(gathered);
    }
  }

  private async apply(gathered: Gathered): Promise<void> {
    // Agents a forwarded push is about to reach: noted as offered first, so a heartbeat that sees
    // their new desired state meanwhile does not offer it too (the push sends it once).
    const pushed = new Set<string>();
    for (const { push, uids } of gathered.pushes.values()) {
      const content = await this.cache.content(push.configurationId, push.version);
      for (const uid of content ? uids : []) {
        pushed.add(uid);
        this.handler.markOffered(uid, content!.configHash);
      }
      // A push may carry a new desired state (a pinned version): read it again at the next message.
      this.cache.forget(uids);
    }
    if (gathered.changed.size > 0) {
      const uids = [...gathered.changed];
      this.cache.forget(uids);
      this.handler.allowOffer(uids.filter((uid) => !pushed.has(uid)));
      await this.push.offerToConnected(uids);
    }
    for (const { push, uids } of gathered.pushes.values()) {
      await this.push.deliverForwarded(push, uids);
    }
  }
}
