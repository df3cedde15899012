import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Agents online/offline sampled once a minute (one row per minute for the whole cluster), kept a day. */
export class FleetSamples1764300200000 implements MigrationInterface {
  name = 'FleetSamples1764300200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE fleet_samples (
        at timestamptz PRIMARY KEY,
        online integer NOT NULL,
        offline integer NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE fleet_samples`);
  }
}
