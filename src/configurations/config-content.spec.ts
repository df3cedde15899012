import { configHashHex, configMapHash, lineAndColumn, validateConfigContent } from './config-content.js';
import { InvalidConfigContent } from './configurations.errors.js';

describe('validateConfigContent', () => {
  it('accepts valid YAML, JSON and any text', () => {
    expect(() => validateConfigContent('exporters:\n  otlp:\n    endpoint: prod.com:4317', 'text/yaml')).not.toThrow();
    expect(() => validateConfigContent('{"a": [1, 2]}', 'application/json')).not.toThrow();
    expect(() => validateConfigContent('{{ not: yaml', 'text/plain')).not.toThrow();
  });

  it('names line and column of a YAML error', () => {
    const sut = () => validateConfigContent('receivers:\n  otlp:\n    protocols: [grpc\nexporters: {}\n', 'text/yaml');
    expect(sut).toThrow(InvalidConfigContent);
    expect(sut).toThrow(/^raw_config is not valid YAML at line \d+, column \d+: /);
    // The position once, not again from the parser's own message.
    expect(sut).toThrow(/^[^\n]*$/);
    expect(sut).not.toThrow(/line \d+, column \d+[\s\S]*line \d+, column \d+/);
  });

  it('refuses duplicate YAML keys, which collectors would silently merge', () => {
    expect(() => validateConfigContent('a: 1\na: 2\n', 'text/yaml')).toThrow(/line 2, column 1/);
  });

  it('names line and column of a JSON error', () => {
    expect(() => validateConfigContent('{\n  "a": 1,\n}', 'application/json')).toThrow(
      /^raw_config is not valid JSON at line 3, column 1: /,
    );
    expect(() => validateConfigContent('{"a": ', 'application/json')).toThrow(/at line 1, column 7/);
  });
});

describe('lineAndColumn', () => {
  it('counts from 1, columns restarting after each newline', () => {
    expect(lineAndColumn('ab\ncd', 0)).toEqual({ line: 1, col: 1 });
    expect(lineAndColumn('ab\ncd', 4)).toEqual({ line: 2, col: 2 });
  });
});

describe('configMapHash', () => {
  const file = { fileName: 'collector.yaml', contentType: 'text/yaml', body: 'a: 1\n' };

  // Known vectors, computed outside this code base (Python's hashlib over the documented encoding):
  // agents and other servers compare these hashes, so the encoding must never drift.
  it('matches known vectors of the length-prefixed encoding', () => {
    expect(configHashHex(file)).toBe('f8dfa7ec9e247de41f1dff1f1ec7adf34081284a3c47017c9a5a58c231866a7c');
    expect(configHashHex({ fileName: '', contentType: 'text/yaml', body: 'ä: 1\n' })).toBe(
      '13984fdd999cbad0e3e815a538c519ef8955010f597b8934300a2584c186cc0e',
    );
    const other = { fileName: 'extra.json', contentType: 'application/json', body: '{}' };
    expect(configMapHash([other, file]).toString('hex')).toBe(
      'a8c781a5450fbce31b39f05539e3be2d86401891d58d5de33c16eb1b03444b3d',
    );
  });

  it('does not depend on the order of the map entries', () => {
    const other = { fileName: 'extra.json', contentType: 'application/json', body: '{}' };
    expect(configMapHash([file, other]).equals(configMapHash([other, file]))).toBe(true);
  });

  it('changes with any of key, content type and body, and keeps field boundaries apart', () => {
    const base = configHashHex(file);
    expect(configHashHex({ ...file, fileName: 'other.yaml' })).not.toBe(base);
    expect(configHashHex({ ...file, contentType: 'text/plain' })).not.toBe(base);
    expect(configHashHex({ ...file, body: 'a: 2\n' })).not.toBe(base);
    expect(configHashHex({ fileName: 'ab', contentType: 'c', body: '' })).not.toBe(
      configHashHex({ fileName: 'a', contentType: 'bc', body: '' }),
    );
  });
});
