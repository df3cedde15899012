import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { PgNotifications } from '../database/pg-notifications.js';
import { ConnectionSettingsRepository, type StoredDestination } from './connection-settings.repository.js';
import type { ConnectionSettingsRule, TelemetryDestination } from './desired-settings.js';
import { HeaderCipher } from './header-cipher.js';

export const CONNECTION_SETTINGS_CHANNEL = 'connection_settings_changed';

/**
 * The operators' connection-settings rules, decrypted, in memory: every agent message is compared
 * against them, so they cannot be read per message. Reloaded on every instance when any instance
 * writes them (NOTIFY), and after the notification connection comes back.
 */
@Injectable()
export class ConnectionSettingsRules implements OnApplicationBootstrap {
  private readonly logger = new Logger(ConnectionSettingsRules.name);
  private readonly listeners: Array<() => void> = [];
  private rules: readonly ConnectionSettingsRule[] = [];
  private loads = Promise.resolve();
  /** Bumped on every reload: agents' desired settings are recomputed when it moves. */
  version = 0;

  constructor(
    private readonly repository: ConnectionSettingsRepository,
    private readonly notifications: PgNotifications,
    private readonly cipher: HeaderCipher,
  ) {}

  get current(): readonly ConnectionSettingsRule[] {
    return this.rules;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.notifications.listen(CONNECTION_SETTINGS_CHANNEL, () => void this.reload());
    this.notifications.onReconnect(() => void this.reload());
    await this.reload();
  }

  /** Called after each reload that may have changed something. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Tells every instance (this one included) that the rules changed. */
  changed(): Promise<void> {
    return this.notifications.notify(CONNECTION_SETTINGS_CHANNEL, '');
  }

  reload(): Promise<void> {
    this.loads = this.loads.then(async () => {
      try {
        const rows = await this.repository.list();
        this.rules = rows.map((row) => ({
          name: row.name,
          selector: row.selector,
          priority: row.priority,
          createdAt: new Date(row.created_at),
          own_metrics: this.decrypt(row.name, row.own_metrics),
          own_traces: this.decrypt(row.name, row.own_traces),
          own_logs: this.decrypt(row.name, row.own_logs),
        }));
        this.version += 1;
        this.listeners.forEach((listener) => listener());
      } catch (error) {
        this.logger.error({ err: error }, 'Loading connection settings failed');
      }
    });
    return this.loads;
  }

  /** A destination whose headers cannot be decrypted is not offered at all (never half its headers). */
  private decrypt(name: string, stored: StoredDestination | null): TelemetryDestination | null {
    if (!stored) {
      return null;
    }
    try {
      return {
        destination_endpoint: stored.destination_endpoint,
        headers: stored.headers.map((h) => ({ key: h.key, value: this.cipher.decrypt(h.value_enc) })),
      };
    } catch (error) {
      this.logger.warn(`Connection settings "${name}": ${(error as Error).message}; destination not offered`);
      return null;
    }
  }
}
