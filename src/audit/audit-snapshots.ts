/** How to read one resource's state for an audit record's before/after. */
export interface SnapshotSource {
  table: string;
  /** The column the route's parameter names. */
  column: string;
  /** Its type, so an id of the wrong shape reads nothing instead of failing the statement. */
  kind: 'uuid' | 'int' | 'text';
  /** A jsonb expression over the row `t`; secrets and bulky columns are left out here, by name. */
  select: string;
}

/**
 * Resources whose writes carry before/after. Secret columns are removed in SQL (password and key
 * hashes, encrypted header values, webhook secrets) and the result is redacted again by key name.
 * Configurations keep version and hash, not their content: content lives in the version history.
 */
export const SNAPSHOT_SOURCES: Record<string, SnapshotSource> = {
  configurations: { table: 'configurations', column: 'name', kind: 'text', select: `to_jsonb(t) - 'raw_config'` },
  users: { table: 'users', column: 'id', kind: 'uuid', select: `to_jsonb(t) - 'password_hash'` },
  'agent-keys': { table: 'agent_keys', column: 'id', kind: 'uuid', select: `to_jsonb(t) - 'key_hash'` },
  agents: {
    table: 'agents',
    column: 'instance_uid',
    kind: 'uuid',
    select: `jsonb_build_object('instance_uid', t.instance_uid, 'labels', t.labels)`,
  },
  'package-assignments': { table: 'package_assignments', column: 'id', kind: 'int', select: 'to_jsonb(t)' },
  packages: { table: 'packages', column: 'id', kind: 'int', select: 'to_jsonb(t)' },
  'signing-keys': { table: 'signing_keys', column: 'id', kind: 'int', select: `to_jsonb(t) - 'armored_key'` },
  'connection-settings': {
    table: 'connection_settings',
    column: 'name',
    kind: 'text',
    select: `to_jsonb(t) - ARRAY['own_metrics', 'own_traces', 'own_logs']`,
  },
  webhooks: { table: 'webhooks', column: 'id', kind: 'uuid', select: `to_jsonb(t) - 'secret_encrypted'` },
  rollouts: { table: 'rollouts', column: 'id', kind: 'text', select: 'to_jsonb(t)' },
  'rollout-policies': { table: 'default_rollout_policies', column: 'name', kind: 'text', select: 'to_jsonb(t)' },
};

const SHAPES: Record<SnapshotSource['kind'], RegExp> = {
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  int: /^\d{1,9}$/,
  text: /^.{1,255}$/s,
};

/** True when `id` can be compared with the source's column without a cast error. */
export function idFits(source: SnapshotSource, id: string): boolean {
  return SHAPES[source.kind].test(id);
}
