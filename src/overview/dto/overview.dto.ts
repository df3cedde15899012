import { ApiProperty } from '@nestjs/swagger';

export class CountEntry {
  /** The group: a version, `healthy`/`unhealthy`/`unknown`, a drift state... (null: not reported). */
  @ApiProperty({ type: String, nullable: true })
  key: string | null;
  count: number;
}

export class ConfigurationStateEntry {
  /** Assigned configuration (null: none assigned). */
  @ApiProperty({ type: String, nullable: true })
  configuration: string | null;
  /** The agent's reported remote config status (applied, applying, failed, unset; null: never reported). */
  @ApiProperty({ type: String, nullable: true })
  state: string | null;
  count: number;
}

export class FailureEntry {
  agent_id: string;
  @ApiProperty({ type: String, nullable: true })
  agent_name: string | null;
  configuration: string;
  version: number;
  /** failed or timeout */
  status: string;
  @ApiProperty({ type: String, nullable: true })
  error_message: string | null;
  at: string;
}

export class SampleEntry {
  at: string;
  online: number;
  offline: number;
}

export class AgentTotals {
  total: number;
  online: number;
  offline: number;
}

/** "Is my fleet fine?" in one read. */
export class FleetOverviewResponse {
  agents: AgentTotals;
  /** Agents online/offline, sampled every minute, for the last 24 hours (oldest first). */
  series: SampleEntry[];
  by_version: CountEntry[];
  by_health: CountEntry[];
  by_configuration: ConfigurationStateEntry[];
  /** Agents by drift state (in_sync, drifted, pending, unknown). */
  drift: CountEntry[];
  /** The latest failed or timed-out applies. */
  recent_failures: FailureEntry[];
  /** Running or paused rollouts; null when rollouts are not available on this server. */
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, nullable: true })
  rollouts: Array<Record<string, unknown>> | null;
}
