import { Injectable } from '@nestjs/common';
import { PgNotifications } from '../database/pg-notifications.js';
import { MicroBatcher } from '../common/micro-batcher.js';
import { AgentOutboxRepository, type OutboxRow } from './agent-outbox.repository.js';
import { OpampCodec } from './proto/opamp-codec.js';
import type { ServerToAgent, ServerToAgentDraft } from './proto/opamp.types.js';

export const OUTBOX_CHANNEL = 'opamp_outbox';
/** A queued message older than this is dropped: a restart meant for ten minutes ago is not wanted now. */
export const OUTBOX_TTL_SECONDS = 600;
/** How long takes wait to share one statement. */
const TAKE_BATCH_MS = 5;

/**
 * Messages for agents this instance cannot write to directly (HTTP agents, whose next poll may
 * land on any instance, and WebSocket agents held by another instance), kept in PostgreSQL.
 * Taking deletes, so every message is delivered exactly once, by whichever instance takes it.
 */
@Injectable()
export class AgentOutbox {
  private readonly takes = new MicroBatcher<string, OutboxRow[]>(async (uids) => {
    const byAgent = new Map<string, OutboxRow[]>();
    for (const row of await this.rows.takeAll(uids, OUTBOX_TTL_SECONDS)) {
      const rows = byAgent.get(row.instance_uid);
      if (rows) {
        rows.push(row);
      } else {
        byAgent.set(row.instance_uid, [row]);
      }
    }
    return byAgent;
  }, TAKE_BATCH_MS);
  private readonly claimed = new WeakSet<OutboxRow[]>();

  constructor(
    private readonly rows: AgentOutboxRepository,
    private readonly notifications: PgNotifications,
    private readonly codec: OpampCodec,
  ) {}

  async enqueue(instanceUid: string, draft: ServerToAgentDraft): Promise<void> {
    // Connection settings may carry credentials (own-telemetry headers; an opamp offer's
    // Authorization is added only when sending) and are re-evaluated on every message anyway:
    // they are never queued, so no secret reaches this table.
    const queued = { ...draft };
    delete queued.connection_settings;
    const payload = Buffer.from(this.codec.encodeServerToAgent({ ...queued, instance_uid: new Uint8Array(0) }));
    await this.rows.insert(instanceUid, payload);
    await this.notifications.notify(OUTBOX_CHANNEL, instanceUid);
  }

  /**
   * Removes and returns the agent's queued messages, oldest first. Every connecting agent asks:
   * the agents asking within a few milliseconds share one statement.
   */
  async take(instanceUid: string): Promise<ServerToAgentDraft[]> {
    const rows = await this.takes.get(instanceUid);
    // Two takes for one agent in one batch get the same rows: only the first delivers them.
    if (!rows || this.claimed.has(rows)) {
      return [];
    }
    this.claimed.add(rows);
    return rows
      .filter((row) => row.fresh)
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map((row): ServerToAgentDraft => {
        const message: Partial<ServerToAgent> = this.codec.decodeServerToAgent(row.payload);
        delete message.instance_uid;
        return message;
      });
  }

  /** Which agents have something queued (for the periodic re-check that heals lost notifications). */
  agentsWithMessages(): Promise<string[]> {
    return this.rows.agentsWithMessages();
  }

  expire(): Promise<void> {
    return this.rows.deleteOlderThan(OUTBOX_TTL_SECONDS);
  }

  onMessageQueued(listener: (instanceUid: string) => void): void {
    this.notifications.listen(OUTBOX_CHANNEL, listener);
  }

  onReconnect(listener: () => void): void {
    this.notifications.onReconnect(listener);
  }
}
