import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One open offer per agent and configuration version. A push racing a heartbeat's offer used to
 * write two open rows for the same version (one with the push id, one without), so the agent
 * counted twice and one row later turned `timeout` although the agent applied. The unique partial
 * index makes the second offer join the first (offers insert with ON CONFLICT). Duplicates already
 * written are removed first, keeping the push's row, else the newest.
 */
export class OneOpenOffer1763803000000 implements MigrationInterface {
  name = 'OneOpenOffer1763803000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DELETE FROM configuration_apply_history h
      USING (
        SELECT id, row_number() OVER (
          PARTITION BY instance_uid, configuration_id, version
          ORDER BY (push_id IS NULL), offered_at DESC, id) AS n
        FROM configuration_apply_history
        WHERE status IN ('pending', 'applying')
      ) ranked
      WHERE h.id = ranked.id AND ranked.n > 1`);
    await q.query(`
      CREATE UNIQUE INDEX configuration_apply_history_one_open_idx
        ON configuration_apply_history (instance_uid, configuration_id, version)
        WHERE status IN ('pending', 'applying')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX configuration_apply_history_one_open_idx`);
  }
}
