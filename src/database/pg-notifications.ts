import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import { DataSource } from 'typeorm';

export const DATABASE_URL = Symbol('DATABASE_URL');

type Listener = (payload: string) => void;

/**
 * PostgreSQL LISTEN/NOTIFY between server instances: no extra service, and notifications
 * commit with the transaction that sends them. Payloads carry ids only; the truth stays in
 * tables, so a notification lost while the listening connection was down is healed by the
 * `onReconnect` callbacks (and by agents' next messages).
 */
@Injectable()
export class PgNotifications implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PgNotifications.name);
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly reconnectListeners = new Set<() => void>();
  private client?: pg.Client;
  private stopped = false;
  private retryMs = 500;
  private pendingListens: Promise<void> = Promise.resolve();

  constructor(
    @Inject(DATABASE_URL) private readonly url: string,
    private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
  }

  /** Calls `listener` for every notification on `channel` (from any instance, this one included). */
  listen(channel: string, listener: Listener): void {
    const set = this.listeners.get(channel) ?? new Set();
    const isNew = set.size === 0;
    set.add(listener);
    this.listeners.set(channel, set);
    const client = this.client;
    if (isNew && client) {
      // One statement at a time on this connection (pg deprecates overlapping queries).
      this.pendingListens = this.pendingListens
        .then(() => client.query(`LISTEN ${pg.escapeIdentifier(channel)}`))
        .then(
          () => undefined,
          (error: Error) => this.logger.warn(`LISTEN ${channel} failed: ${error.message}`),
        );
    }
  }

  /** Called after the listening connection came back: re-read whatever may have been missed. */
  onReconnect(listener: () => void): void {
    this.reconnectListeners.add(listener);
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.dataSource.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'opamp-platform-listen' });
    client.on('notification', (message) => {
      for (const listener of this.listeners.get(message.channel) ?? []) {
        try {
          listener(message.payload ?? '');
        } catch (error) {
          this.logger.error({ err: error }, `Listener on ${message.channel} failed`);
        }
      }
    });
    client.on('error', (error) => this.logger.warn(`Notification connection error: ${error.message}`));
    client.on('end', () => {
      if (!this.stopped) {
        this.client = undefined;
        setTimeout(() => void this.reconnect(), this.retryMs).unref();
      }
    });
    await client.connect();
    for (const channel of this.listeners.keys()) {
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    }
    this.client = client;
    this.retryMs = 500;
  }

  private async reconnect(): Promise<void> {
    try {
      await this.connect();
      this.logger.log('Notification connection restored');
      this.reconnectListeners.forEach((listener) => listener());
    } catch (error) {
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
      this.logger.warn(`Notification reconnect failed (${(error as Error).message}); retrying in ${this.retryMs} ms`);
      setTimeout(() => void this.reconnect(), this.retryMs).unref();
    }
  }
}
