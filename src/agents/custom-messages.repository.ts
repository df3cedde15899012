import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface CustomMessageRow {
  id: string;
  direction: 'received' | 'sent';
  capability: string;
  type: string;
  data: Buffer;
  size: number;
  truncated: boolean;
  sent_by: string | null;
  created_at: Date;
}

export interface NewCustomMessage {
  instanceUid: string;
  direction: 'received' | 'sent';
  capability: string;
  type: string;
  data: Buffer;
  sentBy: string | null;
}

/** The latest custom messages per agent: a bounded ring, trimmed on every insert. */
@Injectable()
export class CustomMessagesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores at most `maxBytes` of the payload and keeps only the agent's latest `keep` messages. */
  async record(message: NewCustomMessage, maxBytes: number, keep: number): Promise<void> {
    const truncated = message.data.length > maxBytes;
    await this.dataSource.query(
      `WITH ins AS (
         INSERT INTO agent_custom_messages (instance_uid, direction, capability, type, data, size, truncated, sent_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id)
       DELETE FROM agent_custom_messages WHERE instance_uid = $1 AND id NOT IN (
         SELECT id FROM agent_custom_messages WHERE instance_uid = $1 ORDER BY id DESC LIMIT $9 - 1)
         AND id NOT IN (SELECT id FROM ins)`,
      [
        message.instanceUid,
        message.direction,
        message.capability.slice(0, 255),
        message.type.slice(0, 255),
        truncated ? message.data.subarray(0, maxBytes) : message.data,
        message.data.length,
        truncated,
        message.sentBy,
        keep,
      ],
    );
  }

  list(instanceUid: string, limit: number): Promise<CustomMessageRow[]> {
    return this.dataSource.query<CustomMessageRow[]>(
      `SELECT id::text, direction, capability, type, data, size, truncated, sent_by, created_at
       FROM agent_custom_messages WHERE instance_uid = $1 ORDER BY id DESC LIMIT $2`,
      [instanceUid, limit],
    );
  }
}
