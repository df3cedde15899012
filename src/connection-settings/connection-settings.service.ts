import { Injectable } from '@nestjs/common';
import {
  ConnectionSettingsAlreadyExist,
  ConnectionSettingsNotFound,
  InvalidConnectionSettings,
} from './connection-settings.errors.js';
import {
  ConnectionSettingsRepository,
  type ConnectionSettingsRow,
  type RuleFields,
  type StoredDestination,
} from './connection-settings.repository.js';
import { ConnectionSettingsRules } from './connection-settings.rules.js';
import { TELEMETRY_KINDS, type TelemetryKind } from './desired-settings.js';
import { HeaderCipher } from './header-cipher.js';

export interface DestinationInput {
  destination_endpoint: string;
  headers?: Array<{ key: string; value?: string }>;
}

export interface RuleInput {
  name: string;
  selector: Record<string, string>;
  priority?: number;
  own_metrics?: DestinationInput | null;
  own_traces?: DestinationInput | null;
  own_logs?: DestinationInput | null;
}

/**
 * Operators' connection settings: own-telemetry destinations by label selector. Every write
 * wakes all instances, which offer the changed settings to the connected agents they concern.
 */
@Injectable()
export class ConnectionSettingsService {
  constructor(
    private readonly repository: ConnectionSettingsRepository,
    private readonly rules: ConnectionSettingsRules,
    private readonly cipher: HeaderCipher,
  ) {}

  list(): Promise<ConnectionSettingsRow[]> {
    return this.repository.list();
  }

  async get(name: string): Promise<ConnectionSettingsRow> {
    const row = await this.repository.findByName(name);
    if (!row) {
      throw new ConnectionSettingsNotFound(name);
    }
    return row;
  }

  async create(input: RuleInput): Promise<ConnectionSettingsRow> {
    const row = await this.repository.insert(this.fields(input, null));
    if (!row) {
      throw new ConnectionSettingsAlreadyExist(input.name);
    }
    await this.rules.changed();
    return row;
  }

  async update(input: RuleInput): Promise<ConnectionSettingsRow> {
    const existing = await this.get(input.name);
    const row = await this.repository.update(this.fields(input, existing));
    if (!row) {
      throw new ConnectionSettingsNotFound(input.name);
    }
    await this.rules.changed();
    return row;
  }

  async delete(name: string): Promise<void> {
    if (!(await this.repository.delete(name))) {
      throw new ConnectionSettingsNotFound(name);
    }
    await this.rules.changed();
  }

  private fields(input: RuleInput, existing: ConnectionSettingsRow | null): RuleFields {
    const kinds = {} as Record<TelemetryKind, StoredDestination | null>;
    for (const kind of TELEMETRY_KINDS) {
      kinds[kind] = this.destination(kind, input[kind] ?? null, existing?.[kind] ?? null);
    }
    return { name: input.name, selector: input.selector, priority: input.priority ?? 0, ...kinds };
  }

  /** Encrypts new header values; a header sent without a value keeps the one stored for its key. */
  private destination(
    kind: TelemetryKind,
    input: DestinationInput | null,
    existing: StoredDestination | null,
  ): StoredDestination | null {
    if (!input) {
      return null;
    }
    const seen = new Set<string>();
    const headers = (input.headers ?? []).map((header) => {
      const lower = header.key.toLowerCase();
      if (seen.has(lower)) {
        throw new InvalidConnectionSettings(`${kind}: header "${header.key}" is given twice`);
      }
      seen.add(lower);
      if (header.value !== undefined) {
        return { key: header.key, value_enc: this.cipher.encrypt(header.value) };
      }
      const kept = existing?.headers.find((h) => h.key.toLowerCase() === lower);
      if (!kept) {
        throw new InvalidConnectionSettings(`${kind}: header "${header.key}" needs a value (none is stored for it)`);
      }
      return { key: header.key, value_enc: kept.value_enc };
    });
    return { destination_endpoint: input.destination_endpoint, headers };
  }
}
