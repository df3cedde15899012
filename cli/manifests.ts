import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CliError } from './errors.js';

export const API_VERSION = 'opamp-platform/v1';
const CONTENT_TYPES = ['text/yaml', 'application/json', 'text/plain'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];
const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,127}$/i;
const SPEC_KEYS = [
  'selector',
  'priority',
  'contentType',
  'config',
  'configFile',
  'fileName',
  'description',
  'autoPush',
];

/** A configuration as a manifest describes it, every optional field filled with the API's default. */
export interface DesiredConfiguration {
  name: string;
  description: string;
  raw_config: string;
  content_type: ContentType;
  file_name: string;
  selector: Record<string, string>;
  priority: number;
  auto_push: boolean;
}

export interface LoadedManifest {
  source: string;
  configuration: DesiredConfiguration;
}

/**
 * Reads every `*.yaml` / `*.yml` file directly in `dir` (subdirectories are for config files
 * referenced by `spec.configFile`). A file may hold several manifests separated by `---`.
 * Every problem in every file is collected, so one run shows them all.
 */
export function loadManifests(dir: string): LoadedManifest[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir).filter((f) => /\.ya?ml$/i.test(f) && fs.statSync(path.join(dir, f)).isFile());
  } catch (error) {
    throw new CliError(
      `cannot read manifest directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  const problems: string[] = [];
  const manifests: LoadedManifest[] = [];
  for (const file of entries.sort()) {
    const full = path.join(dir, file);
    const documents = YAML.parseAllDocuments(fs.readFileSync(full, 'utf8'));
    documents.forEach((doc, index) => {
      const where = documents.length > 1 ? `${full} (document ${index + 1})` : full;
      if (doc.errors.length > 0) {
        problems.push(`${where}: ${doc.errors[0].message}`);
        return;
      }
      const value: unknown = doc.toJS();
      if (value === null || value === undefined) {
        return;
      }
      try {
        manifests.push({ source: where, configuration: parseManifest(value, path.dirname(full)) });
      } catch (error) {
        problems.push(`${where}: ${(error as Error).message}`);
      }
    });
  }
  const seen = new Map<string, string>();
  for (const m of manifests) {
    const key = m.configuration.name.toLowerCase();
    const earlier = seen.get(key);
    if (earlier) {
      problems.push(`${m.source}: configuration "${m.configuration.name}" is also defined in ${earlier}`);
    }
    seen.set(key, m.source);
  }
  if (problems.length > 0) {
    throw new CliError(`invalid manifests:\n  ${problems.join('\n  ')}`);
  }
  return manifests;
}

function parseManifest(value: unknown, baseDir: string): DesiredConfiguration {
  const doc = asObject(value, 'a manifest');
  if (doc.apiVersion !== API_VERSION) {
    throw new Error(`apiVersion must be ${API_VERSION}`);
  }
  if (doc.kind !== 'Configuration') {
    throw new Error(`kind must be Configuration, got ${JSON.stringify(doc.kind)}`);
  }
  const metadata = asObject(doc.metadata, 'metadata');
  const name = metadata.name;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new Error('metadata.name must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
  const spec = asObject(doc.spec, 'spec');
  const unknown = Object.keys(spec).filter((k) => !SPEC_KEYS.includes(k));
  if (unknown.length > 0) {
    throw new Error(`unknown spec field(s): ${unknown.join(', ')} (known: ${SPEC_KEYS.join(', ')})`);
  }
  const contentType = spec.contentType ?? 'text/yaml';
  if (typeof contentType !== 'string' || !(CONTENT_TYPES as readonly string[]).includes(contentType)) {
    throw new Error(`spec.contentType must be one of ${CONTENT_TYPES.join(', ')}`);
  }
  const priority = spec.priority ?? 0;
  if (typeof priority !== 'number' || !Number.isInteger(priority)) {
    throw new Error('spec.priority must be an integer');
  }
  if (spec.autoPush !== undefined && typeof spec.autoPush !== 'boolean') {
    throw new Error('spec.autoPush must be true or false');
  }
  return {
    name,
    description: optionalString(spec.description, 'spec.description'),
    raw_config: rawConfig(spec, contentType, baseDir),
    content_type: contentType as ContentType,
    file_name: optionalString(spec.fileName, 'spec.fileName'),
    selector: selector(spec.selector),
    priority,
    auto_push: spec.autoPush ?? true,
  };
}

function rawConfig(spec: Record<string, unknown>, contentType: string, baseDir: string): string {
  const { config, configFile } = spec;
  if ((config === undefined) === (configFile === undefined)) {
    throw new Error('give exactly one of spec.config and spec.configFile');
  }
  if (configFile !== undefined) {
    if (typeof configFile !== 'string' || configFile === '') {
      throw new Error('spec.configFile must be a path');
    }
    const file = path.resolve(baseDir, configFile);
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`spec.configFile ${configFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
        cause: error,
      });
    }
  }
  if (typeof config === 'string') {
    return config;
  }
  if (config !== null && typeof config === 'object') {
    // A structured inline config is written out deterministically, so a later plan is stable.
    return contentType === 'application/json' ? JSON.stringify(config, null, 2) + '\n' : YAML.stringify(config);
  }
  throw new Error('spec.config must be a string or a mapping');
}

function selector(value: unknown): Record<string, string> {
  if (value === undefined || value === null) {
    return {};
  }
  const map = asObject(value, 'spec.selector');
  const result: Record<string, string> = {};
  for (const [k, v] of Object.entries(map)) {
    if (v === null || typeof v === 'object') {
      throw new Error(`spec.selector.${k} must be a string`);
    }
    result[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return result;
}

function optionalString(value: unknown, field: string): string {
  if (value === undefined || value === null) {
    return '';
  }
  if (typeof value !== 'string') {
    throw new Error(`${field} must be a string`);
  }
  return value;
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${what} must be a mapping`);
  }
  return value as Record<string, unknown>;
}

const EXTENSIONS: Record<string, string> = { 'text/yaml': 'yaml', 'application/json': 'json', 'text/plain': 'txt' };

/** The manifest text for a server configuration; its content goes to `configFile` (relative). */
export function manifestFor(c: DesiredConfiguration, configFile: string): string {
  const spec: Record<string, unknown> = {};
  if (c.description) {
    spec.description = c.description;
  }
  spec.selector = c.selector;
  spec.priority = c.priority;
  spec.contentType = c.content_type;
  if (c.file_name) {
    spec.fileName = c.file_name;
  }
  if (!c.auto_push) {
    spec.autoPush = false;
  }
  spec.configFile = configFile;
  return YAML.stringify({ apiVersion: API_VERSION, kind: 'Configuration', metadata: { name: c.name }, spec });
}

export function configFileName(c: DesiredConfiguration): string {
  return `${c.name}.${EXTENSIONS[c.content_type] ?? 'txt'}`;
}
