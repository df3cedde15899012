import fs from 'node:fs';
import path from 'node:path';
import { validateCollectorConfig } from './collector-config.validator.js';

// Real Collector configs (valid and broken), each stating what the Collector would say about it in
// trailing `# expect:` lines: `error|warning <path> @ <line>:<col> [text in the message]`, or `not judged`.
const DIR = path.resolve('test/fixtures/collector-configs');
const EXPECT = /^# expect: (error|warning) (\S+) @ (\d+):(\d+)(?: (.+))?$/;

interface Expected {
  kind: 'error' | 'warning';
  path: string;
  line: number;
  column: number;
  text?: string;
}

function expectations(raw: string): { judged: boolean; items: Expected[] } {
  const lines = raw.split('\n').filter((line) => line.startsWith('# expect:'));
  const items = lines.flatMap((line) => {
    const match = EXPECT.exec(line);
    return match
      ? [{ kind: match[1] as Expected['kind'], path: match[2], line: +match[3], column: +match[4], text: match[5] }]
      : [];
  });
  return { judged: !lines.includes('# expect: not judged'), items };
}

const files = fs.readdirSync(DIR).filter((name) => name.endsWith('.yaml'));

describe('Collector config validator on a corpus of real configs', () => {
  it('has a corpus of 15+ configs, valid and broken', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
    expect(files.filter((f) => f.startsWith('valid-')).length).toBeGreaterThanOrEqual(5);
    expect(files.filter((f) => f.startsWith('broken-')).length).toBeGreaterThanOrEqual(10);
  });

  it.each(files)('%s', (file) => {
    const raw = fs.readFileSync(path.join(DIR, file), 'utf8');
    const expected = expectations(raw);
    const sut = validateCollectorConfig(raw);
    if (!expected.judged) {
      expect(sut).toBeUndefined();
      return;
    }
    expect(sut).toBeDefined();
    const found = [
      ...sut!.errors.map((issue) => ({ kind: 'error', ...issue })),
      ...sut!.warnings.map((issue) => ({ kind: 'warning', ...issue })),
    ];
    const where = (i: { kind: string; path: string; line: number; column: number }) =>
      `${i.kind} ${i.path} @ ${i.line}:${i.column}`;
    expect(found.map(where).sort()).toEqual(expected.items.map(where).sort());
    for (const item of expected.items.filter((i) => i.text)) {
      const issue = found.find((f) => where(f) === where(item))!;
      expect(issue.message).toContain(item.text);
    }
    if (file.startsWith('valid-')) {
      expect(sut!.errors).toEqual([]);
    }
    if (file.startsWith('broken-')) {
      expect(sut!.errors.length).toBeGreaterThan(0);
    }
  });
});
