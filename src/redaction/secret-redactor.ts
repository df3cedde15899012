import crypto from 'node:crypto';
import { isMap, isScalar, isSeq, parseDocument, Scalar } from 'yaml';
import { configFormat } from './config-format.js';
import { isHeadersKey, isPlaceholder, SecretRules } from './secret-rules.js';

/** One entry of an AgentConfigMap as the server stores it. */
export interface ConfigEntry {
  body: string;
  content_type: string;
}

export const MARKER_PATTERN = /<redacted:sha256:[0-9a-f]{8}>/;
const EXACT_MARKER = new RegExp(`^${MARKER_PATTERN.source}$`);
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
// scheme://userinfo@ — the userinfo may be a user, user:password, or a bare token.
const URL_USERINFO = /\b([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^\s/?#@"'<>]+)@/g;
// `key: value`, `key = value`, `"key": "value"` lines of content that does not parse.
const KEY_VALUE_LINE = /^(\s*(?:-\s+)?["']?)([A-Za-z0-9_.\-/]+)(["']?\s*[:=]\s*)(.*?)(\s*,?\s*)$/;

/**
 * Replaces what looks secret in agent configuration by `<redacted:sha256:xxxxxxxx>`, keeping the
 * document's structure, comments and order. The eight hex digits are an HMAC-SHA256 of the secret
 * under a server key, so a changed secret is visible as a changed marker while a short hash of a
 * weak password cannot be reversed by trying candidates offline (the key is not in the database).
 */
export class SecretRedactor {
  constructor(
    private readonly key: Buffer,
    readonly rules: SecretRules,
  ) {}

  /** The marker that stands for `secret`. */
  marker(secret: string): string {
    const digest = crypto.createHmac('sha256', this.key).update(secret, 'utf8').digest('hex');
    return `<redacted:sha256:${digest.slice(0, 8)}>`;
  }

  /**
   * A keyed hash of a whole config map before redaction (and of the rules in force): the same
   * report hashes the same, so redaction runs only when what the agent runs changed.
   */
  fingerprint(map: Record<string, ConfigEntry>): string {
    const hmac = crypto.createHmac('sha256', this.key).update(this.rules.fingerprint);
    for (const name of Object.keys(map).sort()) {
      for (const part of [name, map[name].content_type, map[name].body]) {
        const bytes = Buffer.from(part, 'utf8');
        hmac.update(`${bytes.length}:`).update(bytes);
      }
    }
    return hmac.digest('hex');
  }

  redactMap(map: Record<string, ConfigEntry>): Record<string, ConfigEntry> {
    return this.redactMapParsed(map).redacted;
  }

  /**
   * Redacts and also returns each file's parsed (redacted) document, undefined for text: the drift
   * comparison then needs no second parse of a config that was just parsed.
   */
  redactMapParsed(map: Record<string, ConfigEntry>): {
    redacted: Record<string, ConfigEntry>;
    parsed: Record<string, unknown>;
  } {
    const redacted: Record<string, ConfigEntry> = {};
    const parsed: Record<string, unknown> = {};
    for (const [name, entry] of Object.entries(map)) {
      const result = this.redactParsed(entry.body, entry.content_type);
      redacted[name] = { body: result.body, content_type: entry.content_type };
      parsed[name] = result.parsed;
    }
    return { redacted, parsed };
  }

  /** The body with its secrets replaced; the same string when there were none. */
  redactBody(body: string, contentType: string): string {
    return this.redactParsed(body, contentType).body;
  }

  private redactParsed(body: string, contentType: string): { body: string; parsed?: unknown } {
    switch (configFormat(contentType)) {
      case 'json':
        return this.redactJson(body) ?? { body: this.redactText(body) };
      case 'yaml':
        return this.redactYaml(body) ?? { body: this.redactText(body) };
      case 'text':
        return { body: this.redactText(body) };
    }
  }

  /** Secrets inside one string value: PEM blocks, URL userinfo, operator patterns. */
  redactString(value: string): string {
    let out = value.replace(PEM_BLOCK, (block) => this.marker(block));
    out = out.replace(URL_USERINFO, (_all, scheme: string, userinfo: string) =>
      EXACT_MARKER.test(userinfo) ? `${scheme}${userinfo}@` : `${scheme}${this.marker(userinfo)}@`,
    );
    for (const pattern of this.rules.valuePatterns) {
      out = out.replace(pattern, (match) => (EXACT_MARKER.test(match) ? match : this.marker(match)));
    }
    return out;
  }

  /** Content that does not parse: string rules, then `key: value` lines whose key is secret. */
  redactText(body: string): string {
    const lines = this.redactString(body).split('\n');
    return lines
      .map((line) => {
        const match = KEY_VALUE_LINE.exec(line);
        if (!match || !this.rules.isSecretKey(match[2])) {
          return line;
        }
        const [, lead, key, separator, rawValue, trail] = match;
        const quote = /^(["'])(.*)\1$/.exec(rawValue);
        const value = quote ? quote[2] : rawValue;
        if (!this.isRedactable(value)) {
          return line;
        }
        const marker = this.marker(value);
        return `${lead}${key}${separator}${quote ? `${quote[1]}${marker}${quote[1]}` : marker}${trail}`;
      })
      .join('\n');
  }

  private isRedactable(value: string): boolean {
    return value.trim() !== '' && !isPlaceholder(value) && !EXACT_MARKER.test(value) && !/^[|>][-+]?$/.test(value);
  }

  private redactYaml(body: string): { body: string; parsed: unknown } | undefined {
    const document = parseDocument(body, { keepSourceTokens: false });
    if (document.errors.length > 0) {
      return undefined;
    }
    const changed = this.walkYaml(document.contents, false, false);
    const parsed: unknown = document.toJS({ maxAliasCount: 100 });
    return { body: changed ? document.toString({ lineWidth: 0 }) : body, parsed };
  }

  /** Returns whether anything changed. */
  private walkYaml(node: unknown, secret: boolean, headers: boolean): boolean {
    let changed = false;
    if (isMap(node)) {
      const nameOf = (key: string): string | undefined => {
        const value = node.get(key, true);
        return isScalar(value) && typeof value.value === 'string' ? value.value : undefined;
      };
      // Headers written as a list of {key|name, value} entries.
      const listedHeader = headers ? (nameOf('key') ?? nameOf('name')) : undefined;
      const attributeAction = node.has('action');
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '';
        const secretHere =
          secret ||
          (this.rules.isSecretKey(key) && !(attributeAction && key === 'key')) ||
          (headers && this.rules.isSecretHeader(key)) ||
          (key === 'value' && listedHeader !== undefined && this.rules.isSecretHeader(listedHeader));
        changed = this.walkYaml(pair.value, secretHere, isHeadersKey(key)) || changed;
      }
    } else if (isSeq(node)) {
      for (const item of node.items) {
        changed = this.walkYaml(item, secret, headers) || changed;
      }
    } else if (isScalar(node)) {
      changed = this.redactScalar(node, secret);
    }
    return changed;
  }

  private redactScalar(scalar: Scalar, secret: boolean): boolean {
    const value = scalar.value;
    // Strings and numbers can carry secrets (a numeric PIN); dates and the like are kept.
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') {
      return false;
    }
    const text = String(value);
    if (secret && this.isRedactable(text)) {
      scalar.value = this.marker(text);
      if (scalar.type === Scalar.BLOCK_LITERAL || scalar.type === Scalar.BLOCK_FOLDED) {
        scalar.type = Scalar.PLAIN;
      }
      return true;
    }
    if (typeof value !== 'string') {
      return false;
    }
    const redacted = this.redactString(value);
    if (redacted === value) {
      return false;
    }
    scalar.value = redacted;
    return true;
  }

  private redactJson(body: string): { body: string; parsed: unknown } | undefined {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
    const state = { changed: false };
    const redacted = this.walkJson(parsed, false, false, state);
    return { body: state.changed ? JSON.stringify(redacted, null, 2) : body, parsed: redacted };
  }

  private walkJson(value: unknown, secret: boolean, headers: boolean, state: { changed: boolean }): unknown {
    if (Array.isArray(value)) {
      return value.map((item) => this.walkJson(item, secret, headers, state));
    }
    if (value && typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>);
      const named = (value as Record<string, unknown>).key ?? (value as Record<string, unknown>).name;
      const listedHeader = headers && typeof named === 'string' ? named : undefined;
      const attributeAction = 'action' in value;
      return Object.fromEntries(
        entries.map(([key, child]) => {
          const secretHere =
            secret ||
            (this.rules.isSecretKey(key) && !(attributeAction && key === 'key')) ||
            (headers && this.rules.isSecretHeader(key)) ||
            (key === 'value' && listedHeader !== undefined && this.rules.isSecretHeader(listedHeader));
          return [key, this.walkJson(child, secretHere, isHeadersKey(key), state)];
        }),
      );
    }
    if (typeof value === 'string' || typeof value === 'number') {
      const text = String(value);
      if (secret && this.isRedactable(text)) {
        state.changed = true;
        return this.marker(text);
      }
      if (typeof value === 'string') {
        const redacted = this.redactString(value);
        state.changed ||= redacted !== value;
        return redacted;
      }
    }
    return value;
  }
}
