import { InvalidSelector } from './agents.errors.js';

/** A label or selector key: letters, digits and . _ / - (as Kubernetes label keys). */
export const LABEL_KEY = /^[A-Za-z0-9._/-]{1,253}$/;

/**
 * Parses a label selector in the `key=value,key2=value2` form (as kubectl's equality selectors);
 * every pair must match.
 */
export function parseSelector(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined || text.trim() === '') {
    return undefined;
  }
  const selector: Record<string, string> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    if (eq <= 0 || !LABEL_KEY.test(key)) {
      throw new InvalidSelector(`"${part.trim()}" is not key=value`);
    }
    selector[key] = part.slice(eq + 1).trim();
  }
  return selector;
}
