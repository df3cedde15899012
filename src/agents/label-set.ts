/** Where an agent's matchable key/value pairs come from. */
export interface AgentLabelSources {
  identifyingAttributes: Record<string, string>;
  nonIdentifyingAttributes: Record<string, string>;
  labels: Record<string, string>;
}

/**
 * The one map every selector in the platform sees (configurations, package assignments, the
 * agents list): identifying attributes, overridden by non-identifying ones, overridden by the
 * server-side labels — an operator's label wins over what the agent reports. SQL that matches
 * selectors merges in the same order.
 */
export function agentLabelSet(agent: AgentLabelSources): Record<string, string> {
  return { ...agent.identifyingAttributes, ...agent.nonIdentifyingAttributes, ...agent.labels };
}

/**
 * The one selector rule of the platform (configurations, connection settings, package
 * assignments): every pair must be present in the label set with exactly that value, and an empty
 * selector matches NO agent, so nothing reaches the whole fleet by accident. The SQL in
 * AssignmentWritesRepository applies the same rule.
 */
export function selectorMatches(selector: Record<string, string>, labelSet: Record<string, string>): boolean {
  const pairs = Object.entries(selector);
  return pairs.length > 0 && pairs.every(([key, value]) => Object.hasOwn(labelSet, key) && labelSet[key] === value);
}
