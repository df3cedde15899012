import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import crypto from 'node:crypto';
import { selectorMatches } from '../agents/label-set.js';
import { agentLabelSet } from '../agents/label-set.js';
import { ClusterEventBus } from '../events/cluster-event-bus.js';
import { eventAgentId, type LiveEvent } from '../events/live-event.js';
import { webhookEventName, webhookWants } from './webhook-events.js';
import { WebhookDeliveryWorker } from './webhook-delivery.worker.js';
import { deliveryBody } from './webhooks.service.js';
import { WebhooksRepository, type NewDelivery } from './webhooks.repository.js';

const GATHER_MS = 200;
/** Events held while the database is slow; past this a storm's oldest hints are dropped, never the API. */
const MAX_QUEUED = 10_000;

/**
 * Turns this instance's live events into webhook deliveries. Only events published here are
 * handled (each event is published on exactly one instance), gathered for a moment and written
 * as one INSERT; sending is the worker's business, so a slow receiver never holds an event up.
 */
@Injectable()
export class WebhookDispatcher implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Webhooks');
  private queued: Array<{ name: string; event: LiveEvent }> = [];
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private unsubscribe?: () => void;
  dropped = 0;

  constructor(
    private readonly bus: ClusterEventBus,
    private readonly webhooks: WebhooksRepository,
    private readonly worker: WebhookDeliveryWorker,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.bus.subscribe((event, local) => {
      const name = local ? webhookEventName(event) : undefined;
      if (name) {
        this.queue(name, event);
      }
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    clearTimeout(this.timer);
    await this.drain();
  }

  private queue(name: string, event: LiveEvent): void {
    if (this.queued.length >= MAX_QUEUED) {
      this.dropped += 1;
      return;
    }
    this.queued.push({ name, event });
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, GATHER_MS).unref();
  }

  /** Writes what is queued; resolves when it is stored. */
  drain(): Promise<void> {
    const batch = this.queued;
    this.queued = [];
    if (batch.length > 0) {
      this.running = this.running.then(() =>
        this.store(batch).catch((error: unknown) => {
          this.logger.warn(`Could not queue ${batch.length} webhook deliveries: ${(error as Error).message}`);
        }),
      );
    }
    return this.running;
  }

  private async store(batch: Array<{ name: string; event: LiveEvent }>): Promise<void> {
    const hooks = await this.webhooks.listEnabled();
    if (hooks.length === 0) {
      return;
    }
    const needLabels = hooks.some((h) => h.selector && Object.keys(h.selector).length > 0);
    const agentIds = [...new Set(batch.map((b) => eventAgentId(b.event)).filter((id): id is string => id !== null))];
    const labels = new Map<string, Record<string, string>>();
    if (needLabels && agentIds.length > 0) {
      for (const row of await this.webhooks.agentLabelSources(agentIds)) {
        labels.set(
          row.instance_uid,
          agentLabelSet({
            identifyingAttributes: row.identifying_attributes,
            nonIdentifyingAttributes: row.non_identifying_attributes,
            labels: row.labels,
          }),
        );
      }
    }
    const deliveries: NewDelivery[] = [];
    for (const { name, event } of batch) {
      const agentId = eventAgentId(event);
      for (const hook of hooks) {
        if (!webhookWants(hook.events, name)) {
          continue;
        }
        if (hook.selector && Object.keys(hook.selector).length > 0) {
          // A selector limits agent events; events about no agent (fleet, rollouts) still pass.
          if (agentId !== null && !selectorMatches(hook.selector, labels.get(agentId) ?? {})) {
            continue;
          }
        }
        deliveries.push({
          id: crypto.randomUUID(),
          webhookId: hook.id,
          eventType: name,
          body: deliveryBody(name, event),
        });
      }
    }
    await this.webhooks.enqueue(deliveries);
    if (deliveries.length > 0) {
      this.worker.wake();
    }
  }
}
