import { Inject, Injectable } from '@nestjs/common';
import crypto from 'node:crypto';
import type { HeaderCipher } from '../connection-settings/header-cipher.js';
import type { CreateWebhookRequest, UpdateWebhookRequest } from './dto/webhook.dto.js';
import { isWebhookEventPattern } from './webhook-events.js';
import { InvalidWebhook, WebhookNotFound } from './webhooks.errors.js';
import { WebhooksRepository, type DeliveryRow, type WebhookRow } from './webhooks.repository.js';

export const WEBHOOK_CIPHER = Symbol('WEBHOOK_CIPHER');

/** The body every delivery carries: Standard Webhooks' `{type, timestamp, data}`. */
export function deliveryBody(type: string, data: unknown): string {
  return JSON.stringify({ type, timestamp: new Date().toISOString(), data });
}

/** Webhook CRUD; secrets are encrypted before they reach PostgreSQL and never leave the server. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly webhooks: WebhooksRepository,
    @Inject(WEBHOOK_CIPHER) private readonly cipher: HeaderCipher,
  ) {}

  async create(request: CreateWebhookRequest): Promise<WebhookRow> {
    this.checkEvents(request.events);
    return this.webhooks.insert({
      url: request.url,
      events: [...new Set(request.events)],
      selector: request.selector ?? null,
      secret_encrypted: this.cipher.encrypt(request.secret),
      enabled: request.enabled ?? true,
    });
  }

  async update(id: string, request: UpdateWebhookRequest): Promise<WebhookRow> {
    if (request.events) {
      this.checkEvents(request.events);
    }
    const changes: Parameters<WebhooksRepository['update']>[1] = {};
    if (request.url !== undefined) {
      changes.url = request.url;
    }
    if (request.events !== undefined) {
      changes.events = [...new Set(request.events)];
    }
    if (request.selector !== undefined) {
      changes.selector = request.selector;
    }
    if (request.secret !== undefined) {
      changes.secret_encrypted = this.cipher.encrypt(request.secret);
    }
    if (request.enabled !== undefined) {
      changes.enabled = request.enabled;
    }
    const updated = await this.webhooks.update(id, changes);
    if (!updated) {
      throw new WebhookNotFound(id);
    }
    return updated;
  }

  async get(id: string): Promise<WebhookRow> {
    const row = await this.webhooks.findById(id);
    if (!row) {
      throw new WebhookNotFound(id);
    }
    return row;
  }

  list(offset: number, limit: number): Promise<{ items: WebhookRow[]; total: number }> {
    return this.webhooks.list(offset, limit);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.webhooks.delete(id))) {
      throw new WebhookNotFound(id);
    }
  }

  async deliveries(id: string, offset: number, limit: number): Promise<{ items: DeliveryRow[]; total: number }> {
    await this.get(id);
    return this.webhooks.deliveries(id, offset, limit);
  }

  /** Queues a `webhook.test` delivery to this webhook, whatever its event filter; returns its id. */
  async sendTest(id: string): Promise<string> {
    const webhook = await this.get(id);
    const deliveryId = crypto.randomUUID();
    await this.webhooks.enqueue([
      {
        id: deliveryId,
        webhookId: webhook.id,
        eventType: 'webhook.test',
        body: deliveryBody('webhook.test', { webhook_id: webhook.id }),
      },
    ]);
    return deliveryId;
  }

  private checkEvents(events: string[]): void {
    const bad = events.filter((e) => !isWebhookEventPattern(e));
    if (bad.length > 0) {
      throw new InvalidWebhook(`Unknown event(s): ${bad.join(', ')} (see the events a webhook can receive)`);
    }
  }
}
