import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** A webhook as stored; the secret stays encrypted here. */
export interface WebhookRow {
  id: string;
  url: string;
  events: string[];
  selector: Record<string, string> | null;
  secret_encrypted: string;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_type: string;
  body: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: Date;
  last_status_code: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  created_at: Date;
  finished_at: Date | null;
}

/** A claimed delivery with what is needed to send it. */
export interface ClaimedDelivery extends DeliveryRow {
  url: string;
  secret_encrypted: string;
}

export interface NewDelivery {
  id: string;
  webhookId: string;
  eventType: string;
  body: string;
}

/** Webhooks and their deliveries (the delivery queue lives in PostgreSQL so it survives restarts). */
@Injectable()
export class WebhooksRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    row: Pick<WebhookRow, 'url' | 'events' | 'selector' | 'secret_encrypted' | 'enabled'>,
  ): Promise<WebhookRow> {
    const [created] = await this.dataSource.query<WebhookRow[]>(
      `INSERT INTO webhooks (url, events, selector, secret_encrypted, enabled) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [
        row.url,
        row.events,
        row.selector === null ? null : JSON.stringify(row.selector),
        row.secret_encrypted,
        row.enabled,
      ],
    );
    return created;
  }

  async update(
    id: string,
    changes: Partial<Omit<WebhookRow, 'id' | 'created_at' | 'updated_at'>>,
  ): Promise<WebhookRow | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    for (const [column, value] of Object.entries(changes)) {
      params.push(column === 'selector' && value !== null ? JSON.stringify(value) : value);
      sets.push(`${column} = $${params.length}`);
    }
    const [rows] = await this.dataSource.query<[WebhookRow[], number]>(
      `UPDATE webhooks SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING *`,
      params,
    );
    return rows[0];
  }

  async findById(id: string): Promise<WebhookRow | undefined> {
    const rows = await this.dataSource.query<WebhookRow[]>(`SELECT * FROM webhooks WHERE id = $1`, [id]);
    return rows[0];
  }

  async list(offset: number, limit: number): Promise<{ items: WebhookRow[]; total: number }> {
    const [{ total }] = await this.dataSource.query<[{ total: number }]>(`SELECT count(*)::int AS total FROM webhooks`);
    const items = await this.dataSource.query<WebhookRow[]>(
      `SELECT * FROM webhooks ORDER BY created_at, id OFFSET $1 LIMIT $2`,
      [offset, limit],
    );
    return { items, total };
  }

  async listEnabled(): Promise<WebhookRow[]> {
    return this.dataSource.query<WebhookRow[]>(`SELECT * FROM webhooks WHERE enabled`);
  }

  async delete(id: string): Promise<boolean> {
    const [, affected] = await this.dataSource.query<[unknown, number]>(`DELETE FROM webhooks WHERE id = $1`, [id]);
    return affected > 0;
  }

  async enqueue(deliveries: NewDelivery[]): Promise<void> {
    if (deliveries.length === 0) {
      return;
    }
    await this.dataSource.query(
      `INSERT INTO webhook_deliveries (id, webhook_id, event_type, body)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::varchar[], $4::text[])`,
      [
        deliveries.map((d) => d.id),
        deliveries.map((d) => d.webhookId),
        deliveries.map((d) => d.eventType),
        deliveries.map((d) => d.body),
      ],
    );
  }

  /**
   * Takes up to `limit` due deliveries for this instance: rows locked by another claimer are
   * skipped, and the lease makes a crashed sender's rows due again after `leaseMs`.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const [rows] = await this.dataSource.query<[ClaimedDelivery[], number]>(
      `UPDATE webhook_deliveries d
          SET locked_until = now() + make_interval(secs => $2::double precision / 1000), attempts = d.attempts + 1
         FROM webhooks w
        WHERE w.id = d.webhook_id
          AND d.id IN (SELECT id FROM webhook_deliveries
                        WHERE status = 'pending' AND next_attempt_at <= now()
                          AND (locked_until IS NULL OR locked_until < now())
                        ORDER BY next_attempt_at
                        LIMIT $1
                        FOR UPDATE SKIP LOCKED)
       RETURNING d.*, w.url, w.secret_encrypted`,
      [limit, leaseMs],
    );
    return rows;
  }

  async markDelivered(id: string, statusCode: number, latencyMs: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_deliveries
          SET status = 'delivered', locked_until = NULL, last_status_code = $2, last_error = NULL,
              last_latency_ms = $3, finished_at = now()
        WHERE id = $1`,
      [id, statusCode, latencyMs],
    );
  }

  /** Records a failed attempt: due again after `retryInMs`, or given up (`failed`) when that is null. */
  async markAttemptFailed(
    id: string,
    statusCode: number | null,
    error: string,
    latencyMs: number,
    retryInMs: number | null,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_deliveries
          SET status = CASE WHEN $5::integer IS NULL THEN 'failed' ELSE 'pending' END,
              next_attempt_at = CASE WHEN $5::integer IS NULL THEN next_attempt_at
                                     ELSE now() + make_interval(secs => $5::double precision / 1000) END,
              finished_at = CASE WHEN $5::integer IS NULL THEN now() ELSE NULL END,
              locked_until = NULL, last_status_code = $2, last_error = $3, last_latency_ms = $4
        WHERE id = $1`,
      [id, statusCode, error.slice(0, 1024), latencyMs, retryInMs],
    );
  }

  async deliveries(webhookId: string, offset: number, limit: number): Promise<{ items: DeliveryRow[]; total: number }> {
    const [{ total }] = await this.dataSource.query<[{ total: number }]>(
      `SELECT count(*)::int AS total FROM webhook_deliveries WHERE webhook_id = $1`,
      [webhookId],
    );
    const items = await this.dataSource.query<DeliveryRow[]>(
      `SELECT * FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY created_at DESC, id OFFSET $2 LIMIT $3`,
      [webhookId, offset, limit],
    );
    return { items, total };
  }

  /** Label sets of agents, for webhook selectors. */
  async agentLabelSources(instanceUids: string[]): Promise<
    Array<{
      instance_uid: string;
      identifying_attributes: Record<string, string>;
      non_identifying_attributes: Record<string, string>;
      labels: Record<string, string>;
    }>
  > {
    return this.dataSource.query(
      `SELECT instance_uid, identifying_attributes, non_identifying_attributes, labels
         FROM agents WHERE instance_uid = ANY($1::uuid[])`,
      [instanceUids],
    );
  }

  /**
   * Counts agents that went offline within the window and, when at least `threshold`, claims the
   * alert for this window cluster-wide. Returns the count when this caller should fire, else null.
   */
  async claimOfflineAlert(threshold: number, windowMinutes: number): Promise<number | null> {
    const [{ n }] = await this.dataSource.query<[{ n: number }]>(
      `SELECT count(*)::int AS n FROM agents
        WHERE status = 'offline' AND disconnected_at > now() - make_interval(mins => $1)`,
      [windowMinutes],
    );
    if (n < threshold) {
      return null;
    }
    const claimed = await this.dataSource.query<unknown[]>(
      `INSERT INTO fleet_alerts (key, fired_at) VALUES ('agents_offline', now())
       ON CONFLICT (key) DO UPDATE SET fired_at = now()
         WHERE fleet_alerts.fired_at < now() - make_interval(mins => $1)
       RETURNING key`,
      [windowMinutes],
    );
    return claimed.length > 0 ? n : null;
  }
}
