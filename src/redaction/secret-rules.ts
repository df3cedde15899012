/**
 * What counts as a secret in an agent's configuration. Keys are split into words (snake_case,
 * camelCase, kebab-case, dots), so `api_key`, `apiKey` and `x-api-key` match `api_key` while
 * `keyspace` and `monkey` do not match `key`.
 */
export const DEFAULT_SECRET_KEYS = [
  'password',
  'passwd',
  'secret',
  'token',
  'api_key',
  'apikey',
  'key',
  'authorization',
  'bearer',
  'credential',
  'credentials',
  'private',
  'client_secret',
  'sas',
  'signature',
] as const;

/** Header names whose values are credentials even though no secret word is in them. */
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'x-auth-token',
  'x-honeycomb-team',
  'dd-api-key',
  'x-sf-token',
  'lightstep-access-token',
]);

/** Lowercase words of a key: `clientSecret` -> [client, secret], `x-api-key` -> [x, api, key]. */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word.toLowerCase());
}

const REFERENCE_WORDS = new Set(['file', 'path', 'dir', 'filename', 'env']);

export class SecretRules {
  /** Each configured key as a word sequence; a key is secret when it contains one of them. */
  private readonly sequences: string[][];
  readonly valuePatterns: RegExp[];
  /** Changes whenever the rules change, so stored redactions are redone under new rules. */
  readonly fingerprint: string;

  constructor(extraKeys: readonly string[] = [], valuePatterns: readonly string[] = []) {
    const keys = [...DEFAULT_SECRET_KEYS, ...extraKeys.map((k) => k.trim()).filter(Boolean)];
    this.sequences = keys.map(keyWords).filter((words) => words.length > 0);
    this.valuePatterns = valuePatterns.map((source) => new RegExp(source, 'g'));
    this.fingerprint = JSON.stringify([keys, valuePatterns]);
  }

  isSecretKey(key: string): boolean {
    const words = keyWords(key);
    // `key_file`, `password_file`, `ca_path`: the value says where a secret is, not what it is.
    if (words.length > 1 && REFERENCE_WORDS.has(words[words.length - 1])) {
      return false;
    }
    return this.sequences.some((sequence) => containsSequence(words, sequence));
  }

  isSecretHeader(name: string): boolean {
    return SECRET_HEADERS.has(name.toLowerCase()) || this.isSecretKey(name);
  }
}

function containsSequence(words: string[], sequence: string[]): boolean {
  for (let i = 0; i + sequence.length <= words.length; i += 1) {
    if (sequence.every((word, j) => words[i + j] === word)) {
      return true;
    }
  }
  return false;
}

/** Keys whose value is a map of HTTP headers (`headers`, `http_headers`, `grpc_headers`...). */
export function isHeadersKey(key: string): boolean {
  const words = keyWords(key);
  return words[words.length - 1] === 'headers';
}

/**
 * A value built from placeholders the agent fills in (`${env:API_KEY}`, `Bearer ${env:TOKEN}`):
 * it names a secret rather than holding one, and must stay comparable with what the agent made of it.
 */
export function isPlaceholder(value: string): boolean {
  return /\$\{[^}]+\}/.test(value);
}
