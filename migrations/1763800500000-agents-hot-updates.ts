import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Heartbeats rewrite agents.last_seen_at in batches. While last_seen_at was part of an index,
 * none of those updates could be HOT: each wrote a new row version into all seven indexes (three
 * of them GIN over the attribute maps); at 100,000 agents the table held 725,000 dead rows (860 MB)
 * and 6,227 of 1.5 million updates were HOT. The status index alone serves the API's filter and the
 * offline sweep (which reads the online rows), and free space in each page lets the new version
 * stay on its page.
 */
export class AgentsHotUpdates1763800500000 implements MigrationInterface {
  name = 'AgentsHotUpdates1763800500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX agents_status_idx`);
    await q.query(`CREATE INDEX agents_status_idx ON agents (status)`);
    await q.query(`ALTER TABLE agents SET (fillfactor = 80)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agents RESET (fillfactor)`);
    await q.query(`DROP INDEX agents_status_idx`);
    await q.query(`CREATE INDEX agents_status_idx ON agents (status, last_seen_at)`);
  }
}
