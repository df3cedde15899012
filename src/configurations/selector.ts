import { agentLabelSet, type AgentLabelSources } from '../agents/label-set.js';

export { agentLabelSet, type AgentLabelSources };

/** A label selector: every key must be present on the agent with exactly this value. */
export type Selector = Record<string, string>;

/** Added, removed and changed keys between two selectors, for diffs. */
export interface SelectorChange {
  added: Record<string, string>;
  removed: Record<string, string>;
  changed: Record<string, { from: string; to: string }>;
}

export function selectorChange(from: Selector, to: Selector): SelectorChange {
  const change: SelectorChange = { added: {}, removed: {}, changed: {} };
  for (const [key, value] of Object.entries(to)) {
    if (!Object.hasOwn(from, key)) {
      change.added[key] = value;
    } else if (from[key] !== value) {
      change.changed[key] = { from: from[key], to: value };
    }
  }
  for (const [key, value] of Object.entries(from)) {
    if (!Object.hasOwn(to, key)) {
      change.removed[key] = value;
    }
  }
  return change;
}

export function sameSelector(a: Selector, b: Selector): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}
