import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { isConnectionFailure, isTransientConflict, retryTransient } from '../database/retry.js';
import type { AgentRecord } from './agent-record.js';
import { AgentWritesRepository, type StoredAgentState } from './agent-writes.repository.js';

const CHUNK = 500;

/** What a waiting first write learns: the stored state, or why the row could not be written. */
export type UpsertResult = StoredAgentState | Error;
type Waiter = (result: UpsertResult) => void;

/**
 * Coalesces the inventory writes of the OpAMP hot path. A heartbeat only updates memory; every
 * flush writes all pending changes in a few statements: full rows for agents whose status
 * changed, one UPDATE for the last-seen times of all others, one for disconnects. The first
 * write of a connection is awaited (the agent must appear in the API at once) but still batched
 * with the other first writes of a reconnect storm.
 */
export class AgentWriteQueue {
  private readonly logger = new Logger(AgentWriteQueue.name);
  private dirty = new Map<string, AgentRecord>();
  private waiters = new Map<string, Waiter[]>();
  /** Agents whose last-seen time and sequence number are due, read from the record when written. */
  private touches = new Map<string, AgentRecord>();
  private offline = new Set<string>();
  private timer?: NodeJS.Timeout;
  private timerDue = Infinity;
  private flushing?: Promise<void>;

  private readonly rows: AgentWritesRepository;

  constructor(
    dataSource: DataSource,
    private readonly instanceId: string,
    private readonly touchDelayMs: number,
  ) {
    this.rows = new AgentWritesRepository(dataSource);
  }

  /**
   * Queues a full write; with `wait`, resolves with the stored labels and remote-config state, or
   * with the error that kept this agent's row from being written (never rejects).
   */
  upsert(record: AgentRecord, wait: true): Promise<UpsertResult>;
  upsert(record: AgentRecord, wait: false): void;
  upsert(record: AgentRecord, wait: boolean): Promise<UpsertResult> | void {
    this.dirty.set(record.instance_uid, record);
    this.touches.delete(record.instance_uid);
    this.offline.delete(record.instance_uid);
    if (!wait) {
      this.schedule(200);
      return;
    }
    this.schedule(5);
    return new Promise((resolve) => {
      const list = this.waiters.get(record.instance_uid) ?? [];
      list.push(resolve);
      this.waiters.set(record.instance_uid, list);
    });
  }

  touch(record: AgentRecord): void {
    if (!this.dirty.has(record.instance_uid)) {
      this.touches.set(record.instance_uid, record);
      this.schedule(this.touchDelayMs);
    }
  }

  markOffline(instanceUid: string): void {
    this.touches.delete(instanceUid);
    this.offline.add(instanceUid);
    this.schedule(20);
  }

  /**
   * Shutdown: every agent this instance still holds online goes offline, including any whose own
   * disconnect was lost, so the table never shows an agent online at an instance that has gone.
   */
  async markAllOffline(): Promise<void> {
    await this.drain();
    await this.run(true, () => this.rows.markAllOffline(this.instanceId));
  }

  /** Writes everything pending now (shutdown, tests). */
  async drain(): Promise<void> {
    clearTimeout(this.timer);
    this.timerDue = Infinity;
    while (this.flushing || this.dirty.size || this.touches.size || this.offline.size) {
      await (this.flushing ?? this.flush());
    }
  }

  private schedule(delayMs: number): void {
    const due = Date.now() + delayMs;
    if (due >= this.timerDue) {
      return;
    }
    clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timerDue = Infinity;
      void this.flush();
    }, delayMs);
  }

  private flush(): Promise<void> {
    if (this.flushing) {
      // Whatever arrives meanwhile is picked up by a flush right after this one.
      return this.flushing.then(() => this.flush());
    }
    const dirty = this.dirty;
    const waiters = this.waiters;
    const touches = this.touches;
    const offline = this.offline;
    this.dirty = new Map();
    this.waiters = new Map();
    this.touches = new Map();
    this.offline = new Set();
    this.flushing = this.write(dirty, waiters, touches, offline).finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async write(
    dirty: Map<string, AgentRecord>,
    waiters: Map<string, Waiter[]>,
    touches: Map<string, AgentRecord>,
    offline: Set<string>,
  ): Promise<void> {
    const records = [...dirty.values()];
    for (let i = 0; i < records.length; i += CHUNK) {
      const chunk = records.slice(i, i + CHUNK);
      const written = chunk.map((record) => [record.effective_config, record.health, record.available_components]);
      const results = await this.writeRows(chunk);
      chunk.forEach((record, j) => {
        const result = results.get(record.instance_uid) ?? new Error(`agent ${record.instance_uid} was not written`);
        if (!(result instanceof Error)) {
          forgetWritten(record, written[j]);
        }
        waiters.get(record.instance_uid)?.forEach((resolve) => resolve(result));
      });
    }
    await this.run(touches.size > 0, () => {
      const uids = [...touches.keys()];
      const times = uids.map((u) => touches.get(u)!.last_seen_at);
      return this.rows.touch(
        uids,
        times,
        uids.map((u) => touches.get(u)!.sequence_num),
        this.instanceId,
      );
    });
    await this.run(offline.size > 0, () => this.rows.markOffline([...offline], this.instanceId));
  }

  /**
   * Writes rows in one statement. When that fails for a reason other than a passing conflict,
   * each row is written alone, so one agent's row that PostgreSQL refuses does not fail the
   * others of its batch.
   */
  private async writeRows(chunk: AgentRecord[]): Promise<Map<string, UpsertResult>> {
    try {
      const rows = await retryTransient(() => this.rows.upsertRows(chunk, this.instanceId));
      return new Map(rows.map((row) => [row.instance_uid, row]));
    } catch (error) {
      if (chunk.length === 1 || isTransientConflict(error) || isConnectionFailure(error)) {
        this.logger.error({ err: error }, `Writing ${chunk.length} agent rows failed`);
        return new Map(chunk.map((record) => [record.instance_uid, error as Error]));
      }
      const results = new Map<string, UpsertResult>();
      for (const record of chunk) {
        for (const [uid, result] of await this.writeRows([record])) {
          results.set(uid, result);
        }
      }
      return results;
    }
  }

  private async run(needed: boolean, write: () => Promise<void>): Promise<void> {
    if (!needed) {
      return;
    }
    try {
      await retryTransient(write);
    } catch (error) {
      this.logger.error({ err: error }, 'Agent inventory write failed');
    }
  }
}

/**
 * The row holds the (redacted) effective config, the health tree and the available components
 * now: later writes keep them (null = keep), and memory holds only their hashes (an effective
 * config or a collector's component list is kilobytes per agent). A newer value set meanwhile is
 * a different object and stays.
 */
function forgetWritten(record: AgentRecord, [effective, health, components]: unknown[]): void {
  if (record.effective_config === effective) {
    record.effective_config = null;
  }
  if (record.health === health) {
    record.health = null;
  }
  if (record.available_components === components) {
    record.available_components = null;
  }
}
