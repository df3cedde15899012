import fs from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * Reads `file` (default `.env` in the working directory) into `env` when it exists. Variables
 * already in the environment win, so `FOO=1 npm start` overrides the file. Returns the names it set.
 */
export function loadEnvFile(file = '.env', env: NodeJS.ProcessEnv = process.env): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }
  const set: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] === undefined) {
      env[name] = value;
      set.push(name);
    }
  }
  return set;
}
