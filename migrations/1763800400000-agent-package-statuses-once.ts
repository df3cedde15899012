import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agents' PackageStatuses live in agent_package_statuses (one row per agent and package, kept by
 * the packages feature); the copy the inventory also wrote into agents.package_statuses was never
 * read. Dropping it saves a jsonb write on every package status report.
 */
export class AgentPackageStatusesOnce1763800400000 implements MigrationInterface {
  name = 'AgentPackageStatusesOnce1763800400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agents DROP COLUMN package_statuses`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agents ADD COLUMN package_statuses jsonb`);
  }
}
