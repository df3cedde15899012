import type { Command } from 'commander';
import { apiClient, resolveConnection, type ApiClient, type Connection } from './api.js';

export interface Session {
  client: ApiClient;
  connection: Connection;
}

/** The API client for a command, from the global `--context` option or the environment. */
export function session(command: Command): Session {
  const { context } = command.optsWithGlobals<{ context?: string }>();
  const connection = resolveConnection(context);
  return { client: apiClient(connection), connection };
}

/** Appends an "Examples:" block to a command's --help. */
export function examples(command: Command, lines: string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

/** Reads every page of a list endpoint (page_size 1000, the API's maximum). */
export async function readAll<T>(fetchPage: (page: number, pageSize: number) => Promise<T[]>): Promise<T[]> {
  const pageSize = 1000;
  const all: T[] = [];
  for (let page = 1; ; page += 1) {
    const items = await fetchPage(page, pageSize);
    all.push(...items);
    if (items.length < pageSize) {
      return all;
    }
  }
}

export function parsePositiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`${name} must be a positive integer, got "${value}"`);
  }
  return n;
}
