import crypto from 'node:crypto';
import { parseDocument } from 'yaml';
import { InvalidConfigContent } from './configurations.errors.js';

export const CONTENT_TYPES = ['text/yaml', 'application/json', 'text/plain'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

/** One entry of an OpAMP AgentConfigMap: the file name (map key) and its typed body. */
export interface ConfigFile {
  fileName: string;
  contentType: string;
  body: string;
}

/** Where and why a body does not parse as its content type. */
export interface SyntaxIssue {
  line: number;
  column: number;
  message: string;
}

/**
 * Refuses a body that does not parse as its content type, naming line and column so an operator
 * can find the mistake in a long collector config. text/plain is taken as is.
 */
export function validateConfigContent(raw: string, contentType: ContentType): void {
  const issue = contentSyntaxIssue(raw, contentType);
  if (issue) {
    const kind = contentType === 'application/json' ? 'JSON' : 'YAML';
    throw new InvalidConfigContent(
      `raw_config is not valid ${kind} at line ${issue.line}, column ${issue.column}: ${issue.message}`,
    );
  }
}

/** The first syntax error of a body, or undefined when it parses (text/plain always does). */
export function contentSyntaxIssue(raw: string, contentType: ContentType): SyntaxIssue | undefined {
  switch (contentType) {
    case 'text/yaml':
      return yamlIssue(raw);
    case 'application/json':
      return jsonIssue(raw);
    case 'text/plain':
      return undefined;
  }
}

function yamlIssue(raw: string): SyntaxIssue | undefined {
  const document = parseDocument(raw, { prettyErrors: false, uniqueKeys: true });
  const error = document.errors[0];
  if (!error) {
    return undefined;
  }
  const { line, col } = lineAndColumn(raw, error.pos[0]);
  // The parser's message repeats the position (and a snippet): say it once.
  return { line, column: col, message: error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '') };
}

function jsonIssue(raw: string): SyntaxIssue | undefined {
  try {
    JSON.parse(raw);
    return undefined;
  } catch (error) {
    const message = (error as Error).message;
    const offset = /at position (\d+)/.exec(message);
    const { line, col } = lineAndColumn(raw, offset ? Number(offset[1]) : raw.length);
    return { line, column: col, message };
  }
}

/** 1-based line and column of a UTF-16 offset, as editors count them. */
export function lineAndColumn(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const lines = before.split('\n');
  return { line: lines.length, col: lines[lines.length - 1].length + 1 };
}

/**
 * SHA-256 over a canonical encoding of the AgentConfigMap, so the same map always has the same
 * hash whatever order it was built in: entries sorted by key (UTF-8 bytes), and for each entry the
 * key, the content type and the body, each as a 4-byte big-endian length followed by its UTF-8
 * bytes. Length prefixes keep ("ab","c") and ("a","bc") apart.
 */
export function configMapHash(files: ConfigFile[]): Buffer {
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.fileName), Buffer.from(b.fileName)));
  const hash = crypto.createHash('sha256');
  for (const file of sorted) {
    for (const part of [file.fileName, file.contentType, file.body]) {
      const bytes = Buffer.from(part, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      hash.update(length).update(bytes);
    }
  }
  return hash.digest();
}

/** Hex hash of a configuration's single-file config map. */
export function configHashHex(file: ConfigFile): string {
  return configMapHash([file]).toString('hex');
}
