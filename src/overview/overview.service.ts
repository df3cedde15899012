import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { FleetOverviewResponse } from './dto/overview.dto.js';
import { OverviewRepository } from './overview.repository.js';

const SAMPLE_EVERY_MS = 60_000;

/** The fleet overview, and the minute sampler behind its 24-hour chart (safe on every instance). */
@Injectable()
export class OverviewService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Overview');
  private timer?: NodeJS.Timeout;

  constructor(private readonly overview: OverviewRepository) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sampleSafely(), SAMPLE_EVERY_MS).unref();
    void this.sampleSafely();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  sample(): Promise<void> {
    return this.overview.sample();
  }

  async get(): Promise<FleetOverviewResponse> {
    const [byStatus, series, byVersion, byHealth, byConfiguration, drift, failures, rollouts] = await Promise.all([
      this.overview.countBy('status'),
      this.overview.series(24),
      this.overview.countBy('agent_version'),
      this.overview.countBy(`CASE WHEN healthy THEN 'healthy' WHEN NOT healthy THEN 'unhealthy' ELSE 'unknown' END`),
      this.overview.configurationStates(),
      this.overview.countBy('drift_status'),
      this.overview.recentFailures(10),
      this.overview.runningRollouts(),
    ]);
    const online = byStatus.find((r) => r.key === 'online')?.count ?? 0;
    const offline = byStatus.find((r) => r.key === 'offline')?.count ?? 0;
    return {
      agents: { total: online + offline, online, offline },
      series: series.map((s) => ({ at: new Date(s.at).toISOString(), online: s.online, offline: s.offline })),
      by_version: byVersion,
      by_health: byHealth,
      by_configuration: byConfiguration,
      drift,
      recent_failures: failures.map((f) => ({ ...f, at: new Date(f.at).toISOString() })),
      rollouts,
    };
  }

  private async sampleSafely(): Promise<void> {
    try {
      await this.overview.sample();
    } catch (error) {
      this.logger.warn(`Could not sample fleet counts: ${(error as Error).message}`);
    }
  }
}
