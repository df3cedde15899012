import { Option } from 'commander';
import YAML from 'yaml';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** `-o table|json|yaml` for every reading command. JSON and YAML are the API's objects as they are. */
export function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table');
}

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | boolean | Record<string, string> | null | undefined;
}

export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

export function err(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : text + '\n');
}

/** Prints rows as a table, or the objects themselves as JSON / YAML (stable snake_case keys). */
export function printList<T>(rows: T[], columns: Column<T>[], format: OutputFormat): void {
  if (format !== 'table') {
    printData(rows, format);
    return;
  }
  out(renderTable(rows, columns, terminalWidth()));
}

export function printData(data: unknown, format: OutputFormat): void {
  out(format === 'yaml' ? YAML.stringify(data) : JSON.stringify(data, null, 2));
}

/** A two-column key/value view for one object in table mode. */
export function printRecord(pairs: Array<[string, Cell]>): void {
  const width = Math.max(...pairs.map(([k]) => k.length));
  out(pairs.map(([k, v]) => `${(k + ':').padEnd(width + 2)}${cell(v)}`).join('\n'));
}

/** The terminal's width when stdout is one (or $COLUMNS); unlimited when piped. */
export function terminalWidth(): number {
  const fromEnv = Number(process.env.COLUMNS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) {
    return fromEnv;
  }
  return process.stdout.isTTY ? process.stdout.columns || 80 : Number.POSITIVE_INFINITY;
}

const GAP = 2;
const MIN_COLUMN = 4;

/** Columns as wide as their content; when that exceeds `width`, the widest are cut with "…". */
export function renderTable<T>(rows: T[], columns: Column<T>[], width: number): string {
  const cells = rows.map((row) => columns.map((c) => cell(c.value(row))));
  const headers = columns.map((c) => c.header.toUpperCase());
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  let excess = widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1) - width;
  while (excess > 0) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest] <= MIN_COLUMN) {
      break;
    }
    widths[widest] -= 1;
    excess -= 1;
  }
  const line = (values: string[]): string =>
    values
      .map((v, i) => fit(v, widths[i]).padEnd(i === values.length - 1 ? 0 : widths[i]))
      .join(' '.repeat(GAP))
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

function fit(value: string, width: number): string {
  return value.length <= width ? value : value.slice(0, Math.max(0, width - 1)) + '…';
}

export type Cell = string | number | boolean | Record<string, unknown> | null | undefined;

function cell(value: Cell): string {
  if (value === null || value === undefined || value === '') {
    return '-';
  }
  if (typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(',');
  }
  return String(value).replace(/\s*\n\s*/g, ' ');
}

/** "3m ago" style ages keep tables narrow; JSON keeps the ISO timestamps. */
export function age(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) {
    return '-';
  }
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) {
    return `${seconds}s`;
  }
  if (seconds < 3600) {
    return `${Math.floor(seconds / 60)}m`;
  }
  if (seconds < 86400) {
    return `${Math.floor(seconds / 3600)}h`;
  }
  return `${Math.floor(seconds / 86400)}d`;
}
