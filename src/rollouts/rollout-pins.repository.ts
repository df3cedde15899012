import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Rollout } from './rollout.types.js';

/** What a rollout leaves behind on its agents: pins to its version, and agents it never offered. */
export interface RolloutLeftovers {
  /** Its agents offered the new version (whatever they answered, unless rolled back). */
  offered: number;
  /** Of its agents, those still pinned to its configuration version (they keep it while others get the released one). */
  pinned: number;
  /** Its agents never offered the version (waiting for their stage, or skipped while offline). */
  notOffered: number;
}

@Injectable()
export class RolloutPinsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async leftovers(rollout: Rollout): Promise<RolloutLeftovers> {
    const rows: Array<{ offered: number; pinned: number; not_offered: number }> = await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE ra.state IN ('offered', 'applied', 'failed', 'timeout'))::int AS offered,
              count(*) FILTER (WHERE p.instance_uid IS NOT NULL)::int AS pinned,
              count(*) FILTER (WHERE ra.state IN ('waiting', 'skipped'))::int AS not_offered
       FROM rollout_agents ra
       LEFT JOIN agent_config_pins p
         ON p.instance_uid = ra.instance_uid AND p.configuration_id = $2 AND p.version = $3
       WHERE ra.rollout_id = $1`,
      [rollout.id, rollout.configurationId, rollout.toVersion],
    );
    return { offered: rows[0].offered, pinned: rows[0].pinned, notOffered: rows[0].not_offered };
  }
}
