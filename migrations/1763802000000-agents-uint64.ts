import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * sequence_num and capabilities are uint64 in OpAMP: an agent may send up to 2^64-1. PostgreSQL's
 * bigint stops at 2^63-1, so such an agent's row could never be written and every message it sent
 * was answered UNAVAILABLE. numeric(20,0) holds every uint64 exactly.
 */
export class AgentsUint641763802000000 implements MigrationInterface {
  name = 'AgentsUint641763802000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agents
      ALTER COLUMN capabilities TYPE numeric(20,0),
      ALTER COLUMN sequence_num TYPE numeric(20,0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Values past 2^63-1 do not fit bigint: clamp them rather than fail the revert.
    await q.query(`ALTER TABLE agents
      ALTER COLUMN capabilities TYPE bigint USING least(capabilities, 9223372036854775807)::bigint,
      ALTER COLUMN sequence_num TYPE bigint USING least(sequence_num, 9223372036854775807)::bigint`);
  }
}
