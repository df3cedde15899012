import crypto from 'node:crypto';
import type { AgentSnapshot } from '../opamp/agent-message-handlers.js';
import type { AgentConfigMap, AgentToServer, ComponentHealth } from '../opamp/proto/opamp.types.js';

/** The inventory columns of one live agent, as this instance will next write them. */
export interface AgentRecord {
  instance_uid: string;
  /** Null until the agent describes itself on this connection: the stored value is kept meanwhile. */
  identifying_attributes: Record<string, string> | null;
  non_identifying_attributes: Record<string, string> | null;
  agent_name: string | null;
  agent_version: string | null;
  host_name: string | null;
  /** uint64 as decimal text: exact in JSON and in the numeric(20,0) column. */
  capabilities: string;
  transport: 'websocket' | 'http';
  /** uint64 as decimal text, like capabilities. */
  sequence_num: string;
  /** Null once written (the row keeps it), like effective_config. */
  health: unknown;
  healthy: boolean | null;
  /**
   * file name -> body (or, past EFFECTIVE_CONFIG_STORE_LIMIT, its size and SHA-256 only). Redacted;
   * null once written (the row keeps it) so memory holds only the hash.
   */
  effective_config: Record<string, StoredConfigFile> | null;
  /** Keyed hash of the reported (unredacted) map, see SecretRedactor.fingerprint. */
  effective_config_hash: string | null;
  remote_config_status: string | null;
  remote_config_hash: string | null;
  remote_config_error: string | null;
  /** Null once written (the row keeps it; the inventory keeps its hash). */
  available_components: unknown;
  custom_capabilities: string[] | null;
  connected_at: string;
  last_seen_at: string;
}

/**
 * Bytes become hex so the structures can live in jsonb and be read by people; 64-bit integers
 * (health timestamps, AnyValue.int_value) become decimal text, as in protobuf's JSON mapping, so
 * they stay exact.
 */
export function jsonSafe(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    return Buffer.from(value).toString('hex');
  }
  if (typeof value === 'bigint') {
    return value.toString();
  }
  if (Array.isArray(value)) {
    return value.map(jsonSafe);
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}

/** proto3 omits false and zero on the wire: say `healthy: false` out loud at every level. */
function healthTree(health: ComponentHealth): unknown {
  const children = Object.entries(health.component_health_map ?? {}).map(([name, child]): [string, unknown] => [
    name,
    healthTree(child),
  ]);
  return {
    ...(jsonSafe(health) as Record<string, unknown>),
    healthy: health.healthy ?? false,
    ...(children.length > 0 ? { component_health_map: Object.fromEntries(children) } : {}),
  };
}

/**
 * Bodies stored per agent, in total: an effective config is for people to read and compare, and a
 * message may be as large as OPAMP_MAX_MESSAGE_BYTES (64 MiB by default). Held as a string, written
 * as JSON and copied by the driver, a body that size would cost several times its size in memory.
 * Past this, a file is stored as its size and SHA-256 only (`truncated: true`).
 */
export const EFFECTIVE_CONFIG_STORE_LIMIT = 1024 * 1024;

export type StoredConfigFile = { body: string; content_type: string; size?: number; sha256?: string; truncated?: true };

/** The reported AgentConfigMap as stored (before redaction): file name -> UTF-8 body and content type. */
export function effectiveConfigOf(map: AgentConfigMap | undefined): Record<string, StoredConfigFile> {
  const entries = Object.entries(map?.config_map ?? {}).sort(([a], [b]) => a.localeCompare(b));
  let budget = EFFECTIVE_CONFIG_STORE_LIMIT;
  return Object.fromEntries(
    entries.map(([name, file]): [string, StoredConfigFile] => {
      const bytes = file.body ?? new Uint8Array();
      const contentType = file.content_type ?? '';
      if (bytes.length > budget) {
        const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
        return [name, { body: '', content_type: contentType, size: bytes.length, sha256, truncated: true }];
      }
      budget -= bytes.length;
      // A view, not a copy: the decoded body already sits in the received message.
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
      return [name, { body: text, content_type: contentType }];
    }),
  );
}

export function newRecord(snapshot: AgentSnapshot, transport: 'websocket' | 'http', now: Date): AgentRecord {
  return {
    instance_uid: snapshot.instanceUid,
    identifying_attributes: null,
    non_identifying_attributes: null,
    agent_name: null,
    agent_version: null,
    host_name: null,
    capabilities: '0',
    transport,
    sequence_num: '0',
    health: null,
    healthy: null,
    effective_config: null,
    effective_config_hash: null,
    remote_config_status: null,
    remote_config_hash: null,
    remote_config_error: null,
    available_components: null,
    custom_capabilities: null,
    connected_at: now.toISOString(),
    last_seen_at: now.toISOString(),
  };
}

/**
 * Folds one message into the record. Returns true when a column other than the sequence number
 * and last-seen time changed, i.e. when the row needs a real write rather than a touch.
 */
export function applyMessage(record: AgentRecord, snapshot: AgentSnapshot, message: AgentToServer): boolean {
  let changed = false;
  const capabilities = message.capabilities?.toString();
  if (capabilities !== undefined && record.capabilities !== capabilities) {
    record.capabilities = capabilities;
    changed = true;
  }
  if (message.agent_description) {
    record.identifying_attributes = snapshot.identifyingAttributes;
    record.non_identifying_attributes = snapshot.nonIdentifyingAttributes;
    record.agent_name = snapshot.identifyingAttributes['service.name'] ?? null;
    record.agent_version = snapshot.identifyingAttributes['service.version'] ?? null;
    record.host_name =
      snapshot.nonIdentifyingAttributes['host.name'] ?? snapshot.identifyingAttributes['host.name'] ?? null;
    changed = true;
  }
  if (message.health) {
    record.health = healthTree(message.health);
    record.healthy = message.health.healthy ?? false;
    changed = true;
  }
  // effective_config is left to the inventory handler: it must be redacted before it is kept.
  if (message.remote_config_status) {
    record.remote_config_status = snapshot.remoteConfigStatus;
    record.remote_config_hash = snapshot.remoteConfigHash;
    record.remote_config_error = snapshot.remoteConfigError;
    changed = true;
  }
  // Only the hash means "the same components as before": keep what is stored (a new hash without
  // components is answered with the ReportAvailableComponents flag by the inventory handler).
  if (message.available_components && Object.keys(message.available_components.components ?? {}).length > 0) {
    record.available_components = jsonSafe(message.available_components);
    changed = true;
  }
  if (message.custom_capabilities) {
    record.custom_capabilities = message.custom_capabilities.capabilities ?? [];
    changed = true;
  }
  record.sequence_num = message.sequence_num?.toString() ?? '0';
  record.last_seen_at = new Date().toISOString();
  return changed;
}
