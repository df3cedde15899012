import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError } from './errors.js';

/** One server the CLI can talk to, with the token a `login` got for it. */
export interface StoredContext {
  server: string;
  username?: string;
  token?: string;
  expires_at?: string;
}

export interface ConfigFile {
  current_context?: string;
  contexts: Record<string, StoredContext>;
}

export const DEFAULT_CONTEXT = 'default';

/** `$XDG_CONFIG_HOME/opampctl/config.json`, else `~/.config/opampctl/config.json`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'opampctl', 'config.json');
}

export function readConfig(file = configPath()): ConfigFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { contexts: {} };
    }
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<ConfigFile>;
    return { current_context: parsed.current_context, contexts: parsed.contexts ?? {} };
  } catch {
    throw new CliError(`${file} is not valid JSON; fix or delete it`);
  }
}

/**
 * Writes the file with mode 0600 (it holds bearer tokens) through a temporary file and a rename,
 * so an interrupted write never leaves half a config behind.
 */
export function writeConfig(config: ConfigFile, file = configPath()): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}
