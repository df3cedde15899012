/** Keys whose values never reach the audit log, in any letter case or with `_`/`-` separators. */
const SECRET_KEY =
  /pass(word)?|secret|token|api[_-]?key|authorization|credential|private|^key$|key[_-]?hash|^signature$/i;
/** Header collections: their values are credentials as often as not (Authorization, X-Api-Key...). */
const HEADERS_KEY = /headers$/i;
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
    if (SECRET_KEY.test(key)) {
      out[key] = REDACTED;
    } else if (HEADERS_KEY.test(key) && item !== null && typeof item === 'object') {
      out[key] = headerNamesOnly(item);
    } else {
      out[key] = redactForAudit(item, depth + 1);
    }
  }
  return out;
}

/**
 * Headers keep their names and lose every value, in both shapes the API takes:
 * `[{key|name, value}]` and `{Name: value}`.
 */
function headerNamesOnly(headers: object): unknown {
  if (Array.isArray(headers)) {
    return headers.slice(0, 200).map((entry: unknown) => {
      if (entry === null || typeof entry !== 'object') {
        return REDACTED;
      }
      const { key, name } = entry as { key?: unknown; name?: unknown };
      const header = typeof key === 'string' ? key : typeof name === 'string' ? name : undefined;
      return header === undefined ? REDACTED : { name: header.slice(0, 256), value: REDACTED };
    });
  }
  return Object.fromEntries(Object.keys(headers).map((name) => [name.slice(0, 256), REDACTED]));
}
