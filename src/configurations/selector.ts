import { agentLabelSet, type AgentLabelSources } from '../agents/label-set.js';

export { agentLabelSet, type AgentLabelSources };

/** A label selector: every key must be present on the agent with exactly this value. */
export type Selector = Record<string, string>;

export function sameSelector(a: Selector, b: Selector): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}
