import type { AgentEventType } from '../agents/agent-events.js';
import type { ApplyEvent } from '../configurations/apply-events.js';

/**
 * One live event, as SSE and WebSocket subscribers and webhooks see it (the SSE `event:` name is
 * `type`). Events are hints ("something changed, refetch"), not a replicated log.
 */
export type LiveEvent =
  | { type: 'agent'; change: AgentEventType; agent_id: string }
  | { type: 'apply'; status: ApplyEvent['status']; agent_id: string | null }
  | { type: 'configuration'; change: 'created' | 'updated' | 'deleted' | 'rolled_back'; configuration_id: string }
  | { type: 'package'; status: string; agent_id: string; package?: string; error?: string }
  | {
      type: 'rollout';
      change: string;
      rollout_id: string;
      status?: string;
      /** 1-based. */
      stage?: number;
      detail?: Record<string, unknown>;
    }
  | { type: 'fleet'; change: 'agents_offline'; count: number; window_minutes: number };

export type LiveEventType = LiveEvent['type'];

/** Every event type a subscription or webhook may name. */
export const LIVE_EVENT_TYPES: readonly LiveEventType[] = [
  'agent',
  'apply',
  'configuration',
  'package',
  'rollout',
  'fleet',
] as const;

/** The finer name used by webhooks and WebSocket filters: `agent.connected`, `apply.failed`, `fleet.agents_offline`... */
export function eventName(event: LiveEvent): string {
  switch (event.type) {
    case 'apply':
    case 'package':
      return `${event.type}.${event.status}`;
    case 'agent':
    case 'configuration':
    case 'rollout':
    case 'fleet':
      return `${event.type}.${event.change}`;
  }
}

/** True when `patterns` (`*`, `agent`, `agent.*` or `agent.connected`) accept the event. */
export function eventMatches(patterns: readonly string[], event: LiveEvent): boolean {
  const name = eventName(event);
  return patterns.some((p) => p === '*' || p === event.type || p === `${event.type}.*` || p === name);
}

/** The agent an event is about, if any (agent selectors filter on it). */
export function eventAgentId(event: LiveEvent): string | null {
  return 'agent_id' in event ? event.agent_id : null;
}
