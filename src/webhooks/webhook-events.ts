import { eventName, type LiveEvent } from '../events/live-event.js';

/**
 * The events a webhook can receive. Per-heartbeat changes (`agent.status`, apply progress) are
 * not among them: at fleet scale they would be a message per agent per minute. `*` means all of these.
 */
export const WEBHOOK_EVENTS = [
  'agent.connected',
  'agent.disconnected',
  'agent.deleted',
  'apply.failed',
  'apply.timeout',
  'configuration.created',
  'configuration.updated',
  'package.install_failed',
  'rollout.started',
  'rollout.paused',
  'rollout.resumed',
  'rollout.rolled_back',
  'rollout.completed',
  'fleet.agents_offline',
  'webhook.test',
] as const;

const DELIVERABLE = new Set<string>(WEBHOOK_EVENTS);

/** The event's webhook name when webhooks may receive it; rollout events of any kind pass. */
export function webhookEventName(event: LiveEvent): string | undefined {
  const name = eventName(event);
  return DELIVERABLE.has(name) || event.type === 'rollout' ? name : undefined;
}

/** True when a webhook subscribed to `patterns` wants the event `name`. */
export function webhookWants(patterns: readonly string[], name: string): boolean {
  const type = name.split('.')[0];
  return patterns.some((p) => p === '*' || p === name || p === type || p === `${type}.*`);
}

/** A valid entry of a webhook's `events`: `*`, an event name, or `type` / `type.*`. */
export function isWebhookEventPattern(pattern: string): boolean {
  if (pattern === '*') {
    return true;
  }
  const types = new Set(WEBHOOK_EVENTS.map((e) => e.split('.')[0]));
  const [type, rest] = pattern.split('.', 2);
  return DELIVERABLE.has(pattern) || (types.has(type) && (rest === undefined || rest === '*')) || type === 'rollout';
}
