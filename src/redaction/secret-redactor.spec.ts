import { parse } from 'yaml';
import { CORPUS } from '../../test/fixtures/secret-corpus.js';
import { MARKER_PATTERN, SecretRedactor } from './secret-redactor.js';
import { keyWords, SecretRules } from './secret-rules.js';

const sut = new SecretRedactor(Buffer.from('unit-test-key'), new SecretRules());

describe('SecretRules', () => {
  const rules = new SecretRules();

  it.each([
    'password',
    'api_key',
    'apiKey',
    'x-api-key',
    'private_key',
    'clientSecret',
    'BEARER_TOKEN',
    'sas',
    'db.passwd',
  ])('treats %s as secret', (key) => expect(rules.isSecretKey(key)).toBe(true));

  it.each(['keyspace', 'monkey', 'endpoint', 'username', 'key_file', 'password_file', 'tokenizer', 'authenticator'])(
    'leaves %s alone',
    (key) => expect(rules.isSecretKey(key)).toBe(false),
  );

  it('splits snake, camel and kebab case into words', () => {
    expect(keyWords('clientSecretKEYId')).toEqual(['client', 'secret', 'key', 'id']);
    expect(keyWords('x-api-key')).toEqual(['x', 'api', 'key']);
  });

  it('takes operator key words and value patterns', () => {
    const custom = new SecretRules(['dsn'], ['glpat-[A-Za-z0-9]{8}']);
    expect(custom.isSecretKey('sentry_dsn')).toBe(true);
    const redactor = new SecretRedactor(Buffer.from('k'), custom);
    const out = redactor.redactBody('note: uses glpat-ABCDEFGH here\nsentry_dsn: abc\n', 'text/yaml');
    expect(out).not.toContain('glpat-ABCDEFGH');
    expect(out).not.toContain('abc\n');
    expect(out).toContain('note: uses <redacted:sha256:');
  });
});

describe('SecretRedactor on a corpus of Collector configs', () => {
  it.each(CORPUS.map((c) => [c.name, c] as const))('%s: no planted secret survives, the rest does', (_name, c) => {
    const out = sut.redactBody(c.body, c.contentType);
    for (const secret of c.secrets) {
      expect(out).not.toContain(secret);
    }
    for (const kept of c.kept) {
      expect(out).toContain(kept);
    }
    expect(out).toMatch(MARKER_PATTERN);
    if (c.contentType === 'text/yaml') {
      expect(() => parse(out) as unknown).not.toThrow();
    }
    // Idempotent: redacting redacted content changes nothing.
    expect(sut.redactBody(out, c.contentType)).toBe(out);
  });

  it('keeps comments and key order of YAML it changes', () => {
    const out = sut.redactBody('# top\nb: 1 # why\npassword: hunter2\na: 2\n', 'text/yaml');
    expect(out).toMatch(/^# top\nb: 1 # why\npassword: <redacted:sha256:[0-9a-f]{8}>\na: 2\n$/);
  });

  it('returns an unchanged body byte for byte when nothing is secret', () => {
    const body = 'receivers:\n  otlp: {}   # odd spacing kept\n';
    expect(sut.redactBody(body, 'text/yaml')).toBe(body);
  });

  it('gives the same secret the same marker, another secret another, another key other markers', () => {
    const a = sut.redactBody('password: one\n', 'text/yaml');
    expect(sut.redactBody('password: one\n', 'text/yaml')).toBe(a);
    expect(sut.redactBody('password: two\n', 'text/yaml')).not.toBe(a);
    const other = new SecretRedactor(Buffer.from('another-key'), new SecretRules());
    expect(other.redactBody('password: one\n', 'text/yaml')).not.toBe(a);
  });

  it('leaves ${env:...} placeholders and empty values as they are', () => {
    const body = 'api_key: ${env:API_KEY}\nauthorization: Bearer ${env:TOKEN}\npassword: ""\ntoken:\n';
    expect(sut.redactBody(body, 'text/yaml')).toBe(body);
  });

  it('redacts every leaf under a secret key, and headers given as a list', () => {
    const out = sut.redactBody(
      'credentials:\n  user: u1\n  pass: p1\nheaders:\n  - name: Authorization\n    value: Basic zzz\n  - name: Accept\n    value: json\n',
      'text/yaml',
    );
    expect(out).not.toMatch(/u1|p1|zzz/);
    expect(out).toContain('value: json');
  });

  it('falls back to the text rules for YAML that does not parse', () => {
    const out = sut.redactBody('a: [unclosed\npassword: s3cr3t-text\n', 'text/yaml');
    expect(out).not.toContain('s3cr3t-text');
    expect(out).toContain('a: [unclosed');
  });

  it('keys the fingerprint on content and rules', () => {
    const map = { '': { body: 'a: 1', content_type: 'text/yaml' } };
    const withRule = new SecretRedactor(Buffer.from('unit-test-key'), new SecretRules(['dsn']));
    expect(sut.fingerprint(map)).toBe(sut.fingerprint({ '': { body: 'a: 1', content_type: 'text/yaml' } }));
    expect(sut.fingerprint(map)).not.toBe(sut.fingerprint({ '': { body: 'a: 2', content_type: 'text/yaml' } }));
    expect(withRule.fingerprint(map)).not.toBe(sut.fingerprint(map));
  });
});
