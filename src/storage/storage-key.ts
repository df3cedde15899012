const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Joins server-built segments into a storage key, refusing anything that could escape its prefix. */
export function storageKey(...segments: string[]): string {
  for (const segment of segments) {
    if (!SEGMENT.test(segment) || segment.includes('..')) {
      throw new Error(`Unsafe storage key segment: ${JSON.stringify(segment)}`);
    }
  }
  return segments.join('/');
}
