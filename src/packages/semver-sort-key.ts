import semver from 'semver';

/**
 * Semantic versions are compared by the database, not in memory, so lists can be paged. This
 * encodes a version as a string whose byte order ("C" collation) is semver precedence:
 * - numbers carry a two-digit length prefix (semver forbids leading zeros, so longer is larger);
 * - a release ends with `~`, which sorts above `!`, the marker that starts a pre-release;
 * - pre-release identifiers are separated by a space, which sorts below every identifier
 *   character, so a shorter list of equal identifiers sorts first (1.0.0-a < 1.0.0-a.1);
 * - numeric identifiers start with `0`, alphanumeric ones with `1` (numeric < alphanumeric).
 * Build metadata does not take part in precedence, as the specification says.
 */
export function semverSortKey(version: string): string {
  const parsed = semver.parse(version);
  if (!parsed) {
    throw new Error(`Not a semantic version: ${version}`);
  }
  const main = [parsed.major, parsed.minor, parsed.patch].map((n) => lengthPrefixed(String(n))).join('');
  if (parsed.prerelease.length === 0) {
    return `${main}~`;
  }
  const pre = parsed.prerelease.map((id) => (typeof id === 'number' ? `0${lengthPrefixed(String(id))}` : `1${id}`));
  return `${main}!${pre.join(' ')}`;
}

function lengthPrefixed(digits: string): string {
  return `${String(digits.length).padStart(2, '0')}${digits}`;
}
