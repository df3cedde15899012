import crypto from 'node:crypto';
import { agentLabelSet, type AgentLabelSources } from '../agents/label-set.js';
import { selectorMatches } from '../agents/label-set.js';
import { AgentCapabilities, type ServerToAgentDraft } from '../opamp/proto/opamp.types.js';

export const TELEMETRY_KINDS = ['own_metrics', 'own_traces', 'own_logs'] as const;
export type TelemetryKind = (typeof TELEMETRY_KINDS)[number];
export type SettingsPart = 'opamp' | TelemetryKind;

const KIND_CAPABILITY: Record<TelemetryKind, number> = {
  own_metrics: AgentCapabilities.ReportsOwnMetrics,
  own_traces: AgentCapabilities.ReportsOwnTraces,
  own_logs: AgentCapabilities.ReportsOwnLogs,
};

/** A destination for an agent's own telemetry, header values in clear (in memory only). */
export interface TelemetryDestination {
  destination_endpoint: string;
  headers: Array<{ key: string; value: string }>;
}

/** An operator's rule as the offer logic sees it (decrypted). */
export interface ConnectionSettingsRule {
  name: string;
  selector: Record<string, string>;
  priority: number;
  createdAt: Date;
  own_metrics: TelemetryDestination | null;
  own_traces: TelemetryDestination | null;
  own_logs: TelemetryDestination | null;
}

export interface AgentForSettings extends AgentLabelSources {
  capabilities: number;
}

/** The settings an agent should hold: the offer content, the spec's hash over all of it, and a hash per part. */
export interface DesiredSettings {
  /** Hex SHA-256 of every part; null when there is nothing to offer this agent. */
  hash: string | null;
  parts: Partial<Record<SettingsPart, string>>;
  offer: NonNullable<ServerToAgentDraft['connection_settings']>;
}

/**
 * What the operator wants this agent to use. The `opamp` part carries only the heartbeat
 * interval: the endpoint and headers of an opamp offer are the ones the agent connected with,
 * filled in by the OpAMP module when it sends, so neither the hash nor anything stored depends on
 * the agent's enrollment key. For each own-telemetry kind the agent reports, the highest-priority
 * matching rule that defines it wins (then the oldest, then the name).
 */
export function desiredSettings(
  agent: AgentForSettings,
  rules: readonly ConnectionSettingsRule[],
  heartbeatSeconds: number,
): DesiredSettings {
  const acceptsOpamp = (agent.capabilities & AgentCapabilities.AcceptsOpAMPConnectionSettings) !== 0;
  const wanted = TELEMETRY_KINDS.filter((kind) => (agent.capabilities & KIND_CAPABILITY[kind]) !== 0);
  if (wanted.length === 0 || rules.length === 0) {
    // Nothing that depends on the agent's labels: one shared answer per heartbeat setting, not
    // hashes and objects for every agent that connects.
    const key = `${acceptsOpamp ? 1 : 0}:${heartbeatSeconds}`;
    let shared = UNLABELLED.get(key);
    if (!shared) {
      shared = computeDesired(acceptsOpamp, [], rules, agent, heartbeatSeconds);
      UNLABELLED.set(key, shared);
    }
    return shared;
  }
  return computeDesired(acceptsOpamp, wanted, rules, agent, heartbeatSeconds);
}

/** Shared results of desiredSettings for agents whose settings depend on no rule. */
const UNLABELLED = new Map<string, DesiredSettings>();

function computeDesired(
  acceptsOpamp: boolean,
  wanted: TelemetryKind[],
  rules: readonly ConnectionSettingsRule[],
  agent: AgentForSettings,
  heartbeatSeconds: number,
): DesiredSettings {
  const offer: DesiredSettings['offer'] = {};
  if (acceptsOpamp) {
    offer.opamp = { heartbeat_interval_seconds: heartbeatSeconds };
  }
  if (wanted.length > 0 && rules.length > 0) {
    const labels = agentLabelSet(agent);
    const matching = rules.filter((rule) => selectorMatches(rule.selector, labels)).sort(compareRules);
    for (const kind of wanted) {
      const destination = matching.find((rule) => rule[kind] !== null)?.[kind];
      if (destination) {
        offer[kind] = {
          destination_endpoint: destination.destination_endpoint,
          headers: { headers: destination.headers },
        };
      }
    }
  }
  const parts: DesiredSettings['parts'] = {};
  for (const [part, value] of Object.entries(offer)) {
    parts[part as SettingsPart] = sha256(canonical(value));
  }
  const names = Object.keys(parts).sort() as SettingsPart[];
  const hash = names.length === 0 ? null : sha256(names.map((name) => `${name}=${parts[name]}`).join('\n'));
  return { hash, parts, offer };
}

/**
 * The offer to send when the agent holds `held` (part hashes last offered; null when unknown):
 * only the parts that changed, since an `opamp` part makes opamp-go agents reconnect. A kind
 * offered before but no longer wanted is offered empty, so the agent stops sending there.
 */
export function offerFor(
  desired: DesiredSettings,
  held: Partial<Record<SettingsPart, string>> | null,
): DesiredSettings['offer'] {
  if (held === null) {
    return { ...desired.offer };
  }
  const offer: DesiredSettings['offer'] = {};
  if (desired.offer.opamp && held.opamp !== desired.parts.opamp) {
    offer.opamp = desired.offer.opamp;
  }
  for (const kind of TELEMETRY_KINDS) {
    if (held[kind] !== desired.parts[kind]) {
      offer[kind] = desired.offer[kind] ?? { destination_endpoint: '' };
    }
  }
  return offer;
}

function compareRules(a: ConnectionSettingsRule, b: ConnectionSettingsRule): number {
  return b.priority - a.priority || a.createdAt.getTime() - b.createdAt.getTime() || (a.name < b.name ? -1 : 1);
}

function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

/** JSON with sorted keys, so equal settings always hash alike. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonical).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
