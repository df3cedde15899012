import { ApiProperty } from '@nestjs/swagger';

export class CountEntry {
  /** The group: a version, `healthy`/`unhealthy`/`unknown`, a drift state... (null: not reported). */
  @ApiProperty({ type: String, nullable: true })
  key: string | null;
  @ApiProperty()
  count: number;
}

export class ConfigurationStateEntry {
  /** Assigned configuration (null: none assigned). */
  @ApiProperty({ type: String, nullable: true })
  configuration: string | null;
  /** The agent's reported remote config status (applied, applying, failed, unset; null: never reported). */
  @ApiProperty({ type: String, nullable: true })
  state: string | null;
  @ApiProperty()
  count: number;
}

export class FailureEntry {
  @ApiProperty()
  agent_id: string;
  @ApiProperty({ type: String, nullable: true })
  agent_name: string | null;
  @ApiProperty()
  configuration: string;
  @ApiProperty()
  version: number;
  /** failed or timeout */
  @ApiProperty()
  status: string;
  @ApiProperty({ type: String, nullable: true })
  error_message: string | null;
  @ApiProperty()
  at: string;
}

export class SampleEntry {
  @ApiProperty()
  at: string;
  @ApiProperty()
  online: number;
  @ApiProperty()
  offline: number;
}

export class AgentTotals {
  @ApiProperty()
  total: number;
  @ApiProperty()
  online: number;
  @ApiProperty()
  offline: number;
}

/** "Is my fleet fine?" in one read. */
export class FleetOverviewResponse {
  @ApiProperty({ type: () => AgentTotals })
  agents: AgentTotals;
  /** Agents online/offline, sampled every minute, for the last 24 hours (oldest first). */
  @ApiProperty({ type: [SampleEntry] })
  series: SampleEntry[];
  @ApiProperty({ type: [CountEntry] })
  by_version: CountEntry[];
  @ApiProperty({ type: [CountEntry] })
  by_health: CountEntry[];
  @ApiProperty({ type: [ConfigurationStateEntry] })
  by_configuration: ConfigurationStateEntry[];
  /** Agents by drift state (in_sync, drifted, pending, unknown). */
  @ApiProperty({ type: [CountEntry] })
  drift: CountEntry[];
  /** The latest failed or timed-out applies. */
  @ApiProperty({ type: [FailureEntry] })
  recent_failures: FailureEntry[];
  /** Running or paused rollouts; null when rollouts are not available on this server. */
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, nullable: true })
  rollouts: Array<Record<string, unknown>> | null;
}
