import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AgentEvents } from '../agents/agent-events.js';
import { InstanceIdentity } from '../agents/instance-identity.js';
import { ApplyEvents } from '../configurations/apply-events.js';
import { PgNotifications } from '../database/pg-notifications.js';
import { PackageEvents } from '../packages/package-events.js';
import { RolloutEvents } from '../rollouts/rollout-events.js';
import type { LiveEvent } from './live-event.js';

export const LIVE_EVENTS_CHANNEL = 'live_events';
/** Events published within this window travel to the other instances as one batch. */
const WINDOW_MS = 100;
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; stay clear of it. */
export const MAX_PAYLOAD_BYTES = 7600;
/** Distinct events held for one window; beyond it (a storm) events are dropped and counted. */
const MAX_PENDING = 20_000;

/** A subscriber; `local` is true for events published by this instance. */
export type LiveEventListener = (event: LiveEvent, local: boolean) => void;

interface Batch {
  origin: string;
  events: LiveEvent[];
}

/**
 * Makes live events cluster-wide. Local subscribers get this instance's events at once; the other
 * instances get them through PostgreSQL NOTIFY on the shared listening connection, coalesced per
 * window (identical events, e.g. one agent's repeated status changes, travel once) and chunked
 * under the payload limit, so a heartbeat storm costs a few NOTIFYs per window, not one per agent.
 */
@Injectable()
export class ClusterEventBus implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ClusterEventBus.name);
  private readonly listeners = new Set<LiveEventListener>();
  private readonly unsubscribe: Array<() => void> = [];
  private pending = new Map<string, LiveEvent>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  /** Counters for metrics and tests. */
  readonly stats = { published: 0, notifies: 0, received: 0, dropped: 0 };

  constructor(
    private readonly notifications: PgNotifications,
    private readonly identity: InstanceIdentity,
    agents: AgentEvents,
    applies: ApplyEvents,
    packages: PackageEvents,
    rollouts: RolloutEvents,
  ) {
    this.unsubscribe.push(
      packages.subscribe((e) =>
        this.publish({
          type: 'package',
          status: e.status,
          agent_id: e.instanceUid,
          package: e.packageName,
          ...(e.errorMessage ? { error: e.errorMessage.slice(0, 500) } : {}),
        }),
      ),
      agents.subscribe((e) => this.publish({ type: 'agent', change: e.type, agent_id: e.instanceUid })),
      applies.subscribe((e) => this.publish({ type: 'apply', status: e.status, agent_id: e.instanceUid ?? null })),
      rollouts.subscribe((e) =>
        this.publish({
          type: 'rollout',
          change: e.change,
          rollout_id: e.rolloutId,
          status: e.status,
          stage: e.stage + 1,
        }),
      ),
    );
  }

  onApplicationBootstrap(): void {
    this.notifications.listen(LIVE_EVENTS_CHANNEL, (payload) => this.receive(payload));
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe.forEach((stop) => stop());
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  subscribe(listener: LiveEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Delivers the event here now and to the other instances within a window. */
  publish(event: LiveEvent): void {
    this.stats.published += 1;
    this.deliver(event, true);
    const key = JSON.stringify(event);
    if (!this.pending.has(key)) {
      if (this.pending.size >= MAX_PENDING) {
        this.stats.dropped += 1;
        return;
      }
      this.pending.set(key, event);
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, WINDOW_MS).unref();
  }

  /** Sends what is pending now (also used at shutdown); resolves when the NOTIFYs are done. */
  flush(): Promise<void> {
    const keys = [...this.pending.keys()];
    this.pending = new Map();
    if (keys.length === 0) {
      return this.flushing;
    }
    this.flushing = this.flushing.then(() => this.send(keys));
    return this.flushing;
  }

  private async send(serialized: string[]): Promise<void> {
    for (const chunk of chunkEvents(this.identity.id, serialized)) {
      try {
        await this.notifications.notify(LIVE_EVENTS_CHANNEL, chunk);
        this.stats.notifies += 1;
      } catch (error) {
        // Events are hints: subscribers elsewhere refetch on their next event or reconnect.
        this.logger.warn(`Could not send live events to other instances: ${(error as Error).message}`);
      }
    }
  }

  private receive(payload: string): void {
    let batch: Batch;
    try {
      batch = JSON.parse(payload) as Batch;
    } catch {
      return;
    }
    if (batch.origin === this.identity.id || !Array.isArray(batch.events)) {
      return;
    }
    this.stats.received += batch.events.length;
    batch.events.forEach((event) => this.deliver(event, false));
  }

  private deliver(event: LiveEvent, local: boolean): void {
    for (const listener of this.listeners) {
      try {
        listener(event, local);
      } catch (error) {
        this.logger.error({ err: error }, 'A live event listener failed');
      }
    }
  }
}

/** Packs serialized events into NOTIFY payloads `{origin, events}` of at most MAX_PAYLOAD_BYTES each. */
export function chunkEvents(origin: string, serialized: string[], maxBytes = MAX_PAYLOAD_BYTES): string[] {
  const head = `{"origin":${JSON.stringify(origin)},"events":[`;
  const chunks: string[] = [];
  let parts: string[] = [];
  let size = Buffer.byteLength(head) + 2;
  for (const item of serialized) {
    const bytes = Buffer.byteLength(item) + 1;
    if (size + bytes > maxBytes && parts.length > 0) {
      chunks.push(`${head}${parts.join(',')}]}`);
      parts = [];
      size = Buffer.byteLength(head) + 2;
    }
    if (size + bytes > maxBytes) {
      continue; // a single event too big for any payload: never the case for hints, but never send one that fails
    }
    parts.push(item);
    size += bytes;
  }
  if (parts.length > 0) {
    chunks.push(`${head}${parts.join(',')}]}`);
  }
  return chunks;
}
