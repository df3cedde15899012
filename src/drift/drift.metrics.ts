import { Injectable } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { DRIFT_STATES } from '../agents/agent.entity.js';
import { DriftRepository } from './drift.repository.js';

/** `opamp_agents_drift{state}`: agents per drift state, read from the database at scrape time (fleet-wide). */
@Injectable()
export class DriftMetrics {
  constructor(registry: Registry, repository: DriftRepository) {
    new Gauge({
      name: 'opamp_agents_drift',
      help: 'Agents by drift of their effective config from the desired configuration (whole fleet)',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        const counts = await repository.countsByState();
        for (const state of DRIFT_STATES) {
          this.set({ state }, counts[state] ?? 0);
        }
      },
    });
  }
}
