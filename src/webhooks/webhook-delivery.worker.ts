import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { HeaderCipher } from '../connection-settings/header-cipher.js';
import { backoffDelayMs } from '../database/backoff.js';
import { signDelivery } from './webhook-signer.js';
import { WebhooksRepository, type ClaimedDelivery } from './webhooks.repository.js';
import { WEBHOOK_CIPHER } from './webhooks.service.js';

/** A claimed attempt's lease outlives its timeout by this much before another instance may retry it. */
const LEASE_MARGIN_MS = 30_000;

/**
 * Sends due deliveries: at most WEBHOOK_CONCURRENCY at a time per instance, each bounded by
 * WEBHOOK_TIMEOUT_MS, claimed from PostgreSQL so each attempt is made by one instance. A receiver
 * that hangs holds one slot for the timeout and nothing else: agents and the API never wait on it.
 * Failed attempts come back after a capped exponential backoff with jitter, until
 * WEBHOOK_MAX_ATTEMPTS; then the delivery is `failed`.
 */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Webhooks');
  private readonly inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private timer?: NodeJS.Timeout;
  private polling = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly config: AppConfig,
    @Inject(WEBHOOK_CIPHER) private readonly cipher: HeaderCipher,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.wake(), this.config.webhookPollMs).unref();
    this.wake();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    // Attempts cut short here are retried later (their lease runs out); the attempt is counted.
    this.inFlight.forEach(({ abort }) => abort.abort(new Error('server shutting down')));
    await Promise.allSettled([...this.inFlight.values()].map((f) => f.done));
  }

  get sending(): number {
    return this.inFlight.size;
  }

  /** Looks for due deliveries now (called on a timer and when deliveries were queued here). */
  wake(): void {
    if (this.stopped) {
      return;
    }
    if (this.polling) {
      this.again = true;
      return;
    }
    this.polling = true;
    this.claim()
      .catch((error: unknown) => this.logger.warn(`Could not claim webhook deliveries: ${(error as Error).message}`))
      .finally(() => {
        this.polling = false;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async claim(): Promise<void> {
    const free = this.config.webhookConcurrency - this.inFlight.size;
    if (free <= 0) {
      return;
    }
    const claimed = await this.webhooks.claimDue(free, this.config.webhookTimeoutMs + LEASE_MARGIN_MS);
    for (const delivery of claimed) {
      const abort = new AbortController();
      const done = this.send(delivery, abort.signal).finally(() => {
        this.inFlight.delete(delivery.id);
        this.wake();
      });
      this.inFlight.set(delivery.id, { abort, done });
    }
  }

  private async send(delivery: ClaimedDelivery, shutdown: AbortSignal): Promise<void> {
    const started = Date.now();
    let status: number | null = null;
    let error: string;
    try {
      const secret = this.cipher.decrypt(delivery.secret_encrypted);
      const headers = signDelivery(secret, delivery.id, Math.floor(started / 1000), delivery.body);
      const response = await fetch(delivery.url, {
        method: 'POST',
        body: delivery.body,
        headers: { 'content-type': 'application/json', 'user-agent': 'opamp-platform-webhooks', ...headers },
        redirect: 'manual',
        signal: AbortSignal.any([shutdown, AbortSignal.timeout(this.config.webhookTimeoutMs)]),
      });
      status = response.status;
      await response.body?.cancel().catch(() => undefined);
      if (status >= 200 && status < 300) {
        await this.webhooks.markDelivered(delivery.id, status, Date.now() - started);
        return;
      }
      error = `HTTP ${status}`;
    } catch (caught) {
      const e = caught as Error;
      error = e.name === 'TimeoutError' ? `no answer within ${this.config.webhookTimeoutMs} ms` : e.message;
    }
    const last = delivery.attempts >= this.config.webhookMaxAttempts;
    const retryIn = last
      ? null
      : backoffDelayMs(delivery.attempts - 1, this.config.webhookRetryBaseMs, this.config.webhookRetryMaxMs);
    try {
      await this.webhooks.markAttemptFailed(delivery.id, status, error, Date.now() - started, retryIn);
    } catch (caught) {
      this.logger.warn(`Could not record a webhook attempt: ${(caught as Error).message}`);
    }
  }
}
