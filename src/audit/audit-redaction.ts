/** Keys whose values never reach the audit log, in any letter case or with `_`/`-` separators. */
const SECRET_KEY =
  /pass(word)?|secret|token|api[_-]?key|authorization|credential|private|^key$|key[_-]?hash|^signature$/i;
export const REDACTED = '<redacted>';
const MAX_DEPTH = 8;
const MAX_STRING = 4096;

/**
 * A copy of `value` safe to keep in the audit log: values under secret-looking keys become
 * `<redacted>`, long strings are cut, deep nesting is elided. Used on request bodies and on
 * before/after snapshots alike, so a field added later cannot leak by default.
 */
export function redactForAudit(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) {
    return value ?? null;
  }
  if (typeof value === 'string') {
    return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  }
  if (typeof value !== 'object') {
    return value;
  }
  if (depth >= MAX_DEPTH) {
    return '<elided>';
  }
  if (Array.isArray(value)) {
    return value.slice(0, 200).map((item) => redactForAudit(item, depth + 1));
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    out[key] = SECRET_KEY.test(key) ? REDACTED : redactForAudit(item, depth + 1);
  }
  return out;
}
