import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** One queued message as stored: `fresh` is false once it outlived the TTL it was taken with. */
export interface OutboxRow {
  id: string;
  instance_uid: string;
  payload: Buffer;
  fresh: boolean;
}

/** SQL of agent_outbox (see AgentOutbox). */
@Injectable()
export class AgentOutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(instanceUid: string, payload: Buffer): Promise<void> {
    await this.dataSource.query('INSERT INTO agent_outbox (instance_uid, payload) VALUES ($1, $2)', [
      instanceUid,
      payload,
    ]);
  }

  /** Deletes and returns the rows of these agents, in no particular order. */
  async takeAll(instanceUids: string[], ttlSeconds: number): Promise<OutboxRow[]> {
    const [rows] = await this.dataSource.query<[OutboxRow[], number]>(
      `DELETE FROM agent_outbox WHERE instance_uid = ANY($1::uuid[])
       RETURNING id, instance_uid, payload, created_at > now() - make_interval(secs => $2) AS fresh`,
      [instanceUids, ttlSeconds],
    );
    return rows;
  }

  async agentsWithMessages(): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ instance_uid: string }>>(
      'SELECT DISTINCT instance_uid FROM agent_outbox',
    );
    return rows.map((row) => row.instance_uid);
  }

  async deleteOlderThan(ttlSeconds: number): Promise<void> {
    await this.dataSource.query('DELETE FROM agent_outbox WHERE created_at < now() - make_interval(secs => $1)', [
      ttlSeconds,
    ]);
  }
}
