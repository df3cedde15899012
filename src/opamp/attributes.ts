import { Interner } from '../common/interner.js';
import type { AnyValue, KeyValue } from './proto/opamp.types.js';

/**
 * Values a fleet reports alike (an OS, an agent's name and version, an environment) are held
 * once for all the agents connected, not once per agent.
 */
const values = new Interner();

function anyValueToString(value: AnyValue | undefined): string {
  if (!value) {
    return '';
  }
  if (value.string_value !== undefined) {
    return value.string_value;
  }
  if (value.bool_value !== undefined) {
    return String(value.bool_value);
  }
  if (value.int_value !== undefined) {
    return String(value.int_value);
  }
  if (value.double_value !== undefined) {
    return String(value.double_value);
  }
  if (value.bytes_value !== undefined) {
    return Buffer.from(value.bytes_value).toString('base64');
  }
  if (value.array_value) {
    return JSON.stringify((value.array_value.values ?? []).map(anyValueToString));
  }
  if (value.kvlist_value) {
    return JSON.stringify(flattenAttributes(value.kvlist_value.values));
  }
  return '';
}

/**
 * OpAMP attributes as a flat string map: what selectors match against and what the API shows.
 * Nested values become JSON text; a repeated key keeps its last value.
 */
export function flattenAttributes(list: KeyValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    if (kv.key) {
      out[kv.key] = values.of(anyValueToString(kv.value));
    }
  }
  return out;
}
