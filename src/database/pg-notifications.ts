import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { backoffDelayMs } from './backoff.js';

export const DATABASE_URL = Symbol('DATABASE_URL');

type Listener = (payload: string) => void;

const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 5_000;
/** A connection that never completes its handshake must not stall the loop. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * PostgreSQL LISTEN/NOTIFY between server instances: no extra service, and notifications
 * commit with the transaction that sends them. Payloads carry ids only; the truth stays in
 * tables, so a notification lost while the listening connection was down is healed by the
 * `onReconnect` callbacks (and by agents' next messages).
 *
 * There is exactly one listening connection. When it goes away, one reconnect loop (never
 * more: it is guarded by `reconnecting`) retries with capped exponential backoff and jitter,
 * and every client it gives up on is ended, so an outage of any length leaves one connection.
 */
@Injectable()
export class PgNotifications implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PgNotifications.name);
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly reconnectListeners = new Set<() => void>();
  private client?: pg.Client;
  private stopped = false;
  private reconnecting?: Promise<void>;
  private wakeUp?: () => void;
  private pendingListens: Promise<void> = Promise.resolve();

  constructor(
    @Inject(DATABASE_URL) private readonly url: string,
    private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    this.client = await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
    await this.reconnecting;
  }

  /** True while the listening connection is up (reported by /health). */
  get connected(): boolean {
    return this.client !== undefined;
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

  /** A connected client listening on every channel; on any failure it is ended before the error is thrown. */
  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.url,
      application_name: 'opamp-platform-listen',
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    client.on('notification', (message) => {
      for (const listener of this.listeners.get(message.channel) ?? []) {
        try {
          listener(message.payload ?? '');
        } catch (error) {
          this.logger.error({ err: error }, `Listener on ${message.channel} failed`);
        }
      }
    });
    // 'error' is followed by 'end'; only the end of the current client starts the loop.
    client.on('error', (error) => this.logger.warn(`Notification connection error: ${error.message}`));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      for (const channel of this.listeners.keys()) {
        await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      }
      return client;
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  private lost(client: pg.Client): void {
    if (this.stopped || client !== this.client) {
      return;
    }
    this.client = undefined;
    this.reconnecting ??= this.reconnectLoop().finally(() => {
      this.reconnecting = undefined;
    });
  }

  private async reconnectLoop(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      const delay = backoffDelayMs(attempt, RETRY_BASE_MS, RETRY_MAX_MS);
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        setTimeout(resolve, delay).unref();
      });
      if (this.stopped) {
        return;
      }
      try {
        const client = await this.connect();
        if (this.stopped) {
          await client.end().catch(() => undefined);
          return;
        }
        this.client = client;
        this.logger.log(`Notification connection restored after ${attempt + 1} attempt(s)`);
        this.reconnectListeners.forEach((listener) => listener());
        return;
      } catch (error) {
        // One line per attempt, and attempts are spaced out: an outage cannot flood the log.
        this.logger.warn(`Notification reconnect attempt ${attempt + 1} failed: ${(error as Error).message}`);
      }
    }
  }
}
