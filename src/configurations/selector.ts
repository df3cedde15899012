import { agentLabelSet, type AgentLabelSources } from '../agents/label-set.js';

export { agentLabelSet, type AgentLabelSources };

/** A label selector: every key must be present on the agent with exactly this value. */
export type Selector = Record<string, string>;

/** A configuration as assignment sees it. */
export interface AssignmentCandidate {
  id: string;
  name: string;
  selector: Selector;
  priority: number;
  createdAt: Date;
}

/** All pairs must match. An empty selector matches nothing, so a config never reaches the whole fleet by accident. */
export function selectorMatches(selector: Selector, labelSet: Record<string, string>): boolean {
  const pairs = Object.entries(selector);
  return pairs.length > 0 && pairs.every(([key, value]) => Object.hasOwn(labelSet, key) && labelSet[key] === value);
}

/**
 * Assignment order: highest priority first, then the oldest configuration, then the name, so the
 * winner never depends on query plans or insertion order.
 */
export function compareCandidates(a: AssignmentCandidate, b: AssignmentCandidate): number {
  return (
    b.priority - a.priority ||
    a.createdAt.getTime() - b.createdAt.getTime() ||
    (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : 0)
  );
}

/** The configuration an agent should run, or undefined when none matches. */
export function pickConfiguration<T extends AssignmentCandidate>(
  candidates: T[],
  agent: AgentLabelSources,
): T | undefined {
  const labelSet = agentLabelSet(agent);
  return candidates.filter((c) => selectorMatches(c.selector, labelSet)).sort(compareCandidates)[0];
}

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
