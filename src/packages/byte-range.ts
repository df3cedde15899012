import type { ByteRange } from '../storage/blob-storage.js';

/** What to answer to a Range header for a file of `size` bytes. */
export type RangeDecision = { kind: 'full' } | { kind: 'partial'; range: ByteRange } | { kind: 'unsatisfiable' };

/**
 * Parses a single-range `Range: bytes=...` header (RFC 9110 §14.1.2). Multiple ranges and
 * unknown units are answered with the whole file, which the RFC allows and which spares us
 * multipart/byteranges responses that no agent asks for.
 */
export function parseRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined) {
    return { kind: 'full' };
  }
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) {
    return { kind: 'full' };
  }
  const [, first, last] = match;
  if (first === '') {
    // Suffix range: the last N bytes.
    const length = Number(last);
    if (length === 0 || size === 0) {
      return { kind: 'unsatisfiable' };
    }
    return { kind: 'partial', range: { start: Math.max(0, size - length), end: size - 1 } };
  }
  const start = Number(first);
  if (start >= size) {
    return { kind: 'unsatisfiable' };
  }
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) {
    return { kind: 'full' };
  }
  return { kind: 'partial', range: { start, end } };
}

/** True when an If-None-Match header lists `etag` (or `*`); weak comparison, as the RFC asks for GET. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) {
    return false;
  }
  const strip = (tag: string): string => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => strip(tag) === '*' || strip(tag) === strip(etag));
}
