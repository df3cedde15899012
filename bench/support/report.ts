import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { round } from '../loadgen/stats.js';

/** One printed figure; `target` makes it PASS or FAIL, ratios compare with the baseline of the same run. */
export interface Figure {
  name: string;
  value: number | string | null;
  unit?: string;
  baseline?: number | null;
  target?: { op: '<=' | '>='; value: number; unit?: string; of?: 'value' | 'ratio' };
}

export function verdict(figure: Figure): 'PASS' | 'FAIL' | '' {
  const t = figure.target;
  if (!t) {
    return '';
  }
  const subject = t.of === 'ratio' ? ratio(figure) : figure.value;
  if (typeof subject !== 'number' || Number.isNaN(subject)) {
    return 'FAIL';
  }
  return (t.op === '<=' ? subject <= t.value : subject >= t.value) ? 'PASS' : 'FAIL';
}

function ratio(figure: Figure): number | null {
  return typeof figure.value === 'number' && typeof figure.baseline === 'number' && figure.baseline !== 0
    ? figure.value / figure.baseline
    : null;
}

export function printFigures(title: string, figures: Figure[]): void {
  console.log(
    `\n== ${title}  (load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})`,
  );
  for (const f of figures) {
    const r = ratio(f);
    const parts = [
      `  ${f.name.padEnd(44)} ${String(f.value ?? 'n/a').padStart(10)} ${f.unit ?? ''}`.trimEnd(),
      typeof f.baseline === 'number' ? `baseline ${f.baseline}${f.unit ? ' ' + f.unit : ''}` : '',
      r !== null ? `ratio ${round(r, 2)}x` : '',
      f.target
        ? `target ${f.target.of === 'ratio' ? 'ratio ' : ''}${f.target.op} ${f.target.value}${f.target.unit ?? ''}`
        : '',
      verdict(f),
    ].filter(Boolean);
    console.log(parts.join('  |  '));
  }
}

/** The run's context for RESULTS.md: machine, node, commit, load. */
export function machine(): Record<string, string | number> {
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // Not a git checkout (e.g. a container image): leave it unknown.
  }
  return {
    date: new Date().toISOString(),
    nproc: os.cpus().length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    commit,
    loadavg: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
}

/** Keeps every run's raw figures in bench/results/ (git-ignored) for RESULTS.md. */
export function saveResult(scenario: string, data: unknown): string {
  const dir = path.resolve('bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${scenario}.json`);
  fs.writeFileSync(file, JSON.stringify({ machine: machine(), data }, null, 2));
  return file;
}
