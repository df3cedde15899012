/** Added, removed and changed keys between two selectors, for diffs. */
export interface SelectorChange {
  added: Record<string, string>;
  removed: Record<string, string>;
  changed: Record<string, { from: string; to: string }>;
}

export function selectorChange(from: Record<string, string>, to: Record<string, string>): SelectorChange {
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
