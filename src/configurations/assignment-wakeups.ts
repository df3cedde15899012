import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { InstanceIdentity } from '../agents/instance-identity.js';
import { OpampGateway } from '../opamp/opamp-gateway.js';
import { ASSIGNMENT_CHANNEL, type AssignmentNotification } from './assignment.store.js';
import { ConfigPushService } from './config-push.service.js';
import { DesiredConfigCache } from './desired-config.cache.js';
import { RemoteConfigHandler } from './remote-config.handler.js';

const RECONNECT_MS = 1000;

/**
 * Listens for assignment changes committed by other server instances (PostgreSQL LISTEN/NOTIFY,
 * no extra service): drops the stale cache entries and offers the new config at once to the
 * affected agents connected here. While the listener is down nothing can be trusted, so every
 * (re)connect starts from an empty cache.
 */
@Injectable()
export class AssignmentWakeups implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('AssignmentWakeups');
  private client?: pg.Client;
  private retryTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly identity: InstanceIdentity,
    private readonly cache: DesiredConfigCache,
    private readonly handler: RemoteConfigHandler,
    private readonly push: ConfigPushService,
    private readonly gateway: OpampGateway,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.connect();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.client?.end().catch(() => undefined);
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

  private async connect(): Promise<void> {
    const url = (this.dataSource.options as { url?: string }).url;
    const client = new pg.Client({ connectionString: url, application_name: 'opamp-platform-listen' });
    client.on('notification', (message) => {
      this.receive(message.payload).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'Could not apply an assignment wake-up');
      });
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${ASSIGNMENT_CHANNEL}`);
      this.client = client;
      this.cache.forget();
    } catch (error) {
      this.lost(client, error);
    }
  }

  private lost(client: pg.Client, error?: unknown): void {
    if (this.stopped || this.retryTimer || (this.client && this.client !== client)) {
      return;
    }
    this.logger.warn({ err: error }, 'Assignment listener lost its connection; reconnecting');
    this.client = undefined;
    this.cache.forget();
    client.end().catch(() => undefined);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, RECONNECT_MS);
    this.retryTimer.unref();
  }
}
