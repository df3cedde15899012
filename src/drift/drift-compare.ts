import { createTwoFilesPatch } from 'diff';
import { parse } from 'yaml';
import { configFormat } from '../redaction/config-format.js';
import { MARKER_PATTERN, type ConfigEntry } from '../redaction/secret-redactor.js';

const EXACT_MARKER = new RegExp(`^${MARKER_PATTERN.source}$`);

/** One place where what the agent runs differs from what it should run (both redacted). */
export interface DriftDifference {
  /** The config map key (file name) the difference is in. */
  file: string;
  /** `exporters.otlphttp/extra`, `service.pipelines.traces.exporters[2]`, '' for the whole file. */
  path: string;
  desired: unknown;
  effective: unknown;
}

/** The desired configuration's one file, redacted like effective configs. */
export interface DesiredFile {
  fileName: string;
  contentType: string;
  body: string;
  /** The body parsed once (undefined: text, or not parsed yet). */
  parsed?: unknown;
}

const MAX_DIFFERENCES = 200;

/**
 * Compares parsed documents, so formatting, key order and comments are no drift. A desired value
 * with `${...}` placeholders (e.g. `${env:API_KEY}`) matches whatever the agent substituted,
 * including a redaction marker; a literal secret matches only the same secret (the same marker).
 */
export function compareConfigs(
  desired: DesiredFile,
  effective: Record<string, ConfigEntry>,
  /** The effective files already parsed (by the redaction), to spare a second parse. */
  effectiveParsed?: Record<string, unknown>,
): DriftDifference[] {
  const entry = effectiveEntry(desired.fileName, effective);
  if (!entry) {
    return [{ file: desired.fileName, path: '', desired: desired.body, effective: null }];
  }
  const want = desired.parsed ?? parseBody(desired.body, desired.contentType);
  const name = Object.keys(effective).find((key) => effective[key] === entry) ?? '';
  const have = effectiveParsed?.[name] ?? parseBody(entry.body, entry.content_type || desired.contentType);
  const out: DriftDifference[] = [];
  if (want === undefined || have === undefined) {
    if (!valuesMatch(desired.body.trim(), entry.body.trim())) {
      out.push({ file: desired.fileName, path: '', desired: desired.body, effective: entry.body });
    }
    return out;
  }
  walk(want, have, '', desired.fileName, out);
  return out;
}

/** A unified diff of the two (redacted) documents, for people. */
export function unifiedDiff(desired: DesiredFile, effective: Record<string, ConfigEntry>): string {
  const name = desired.fileName || 'config';
  const entry = effectiveEntry(desired.fileName, effective);
  return createTwoFilesPatch(`desired/${name}`, `effective/${name}`, desired.body, entry?.body ?? '', '', '', {
    context: 3,
  });
}

/** The effective file for the desired key; a lone file under another key (Collectors report '') is that file. */
export function effectiveEntry(fileName: string, effective: Record<string, ConfigEntry>): ConfigEntry | undefined {
  const names = Object.keys(effective);
  return effective[fileName] ?? (names.length === 1 ? effective[names[0]] : undefined);
}

export function parseBody(body: string, contentType: string): unknown {
  try {
    switch (configFormat(contentType)) {
      case 'json':
        return JSON.parse(body) as unknown;
      case 'yaml':
        return parse(body) as unknown;
      case 'text':
        return undefined;
    }
  } catch {
    return undefined;
  }
}

function walk(want: unknown, have: unknown, path: string, file: string, out: DriftDifference[]): void {
  if (out.length >= MAX_DIFFERENCES) {
    return;
  }
  if (isRecord(want) && isRecord(have)) {
    const keys = [...Object.keys(want), ...Object.keys(have).filter((k) => !(k in want))];
    for (const key of keys) {
      walk(want[key], have[key], joinKey(path, key), file, out);
    }
    return;
  }
  if (Array.isArray(want) && Array.isArray(have)) {
    for (let i = 0; i < Math.max(want.length, have.length); i += 1) {
      walk(want[i], have[i], `${path}[${i}]`, file, out);
    }
    return;
  }
  if (isScalar(want) && isScalar(have) && valuesMatch(want, have)) {
    return;
  }
  out.push({ file, path, desired: want ?? null, effective: have ?? null });
}

function valuesMatch(want: Scalar, have: Scalar): boolean {
  if (want === null || want === undefined || have === null || have === undefined) {
    return (want ?? null) === (have ?? null);
  }
  const a = String(want);
  const b = String(have);
  // A secret the agent substituted for a placeholder arrives redacted: the marker stands for it.
  return a === b || (a.includes('${') && (EXACT_MARKER.test(b) || placeholderPattern(a).test(b)));
}

/** `Bearer ${env:TOKEN}` -> /^Bearer [\s\S]*$/ */
function placeholderPattern(value: string): RegExp {
  const parts = value.split(/\$\{[^}]*\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[\\s\\S]*')}$`);
}

type Scalar = string | number | boolean | null | undefined;

function isScalar(value: unknown): value is Scalar {
  return value === null || value === undefined || ['string', 'number', 'boolean', 'bigint'].includes(typeof value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function joinKey(path: string, key: string): string {
  const segment = /^[A-Za-z0-9_\-/]+$/.test(key) ? key : JSON.stringify(key);
  return path === '' ? segment : `${path}.${segment}`;
}
