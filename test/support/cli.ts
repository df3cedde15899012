import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Each CLI run is a fresh Node process (~0.4 s CPU): on a busy machine a test of a dozen runs needs time. */
export const CLI_TIMEOUT = 180_000;

/** The built CLI, as `npm install -g` would run it. */
export const CLI_PATH = path.resolve('dist/cli/opampctl.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A user of the CLI: its own config dir and environment (no OPAMP_* unless given). */
export interface CliUser {
  configDir: string;
  run(
    args: string[],
    options?: { env?: Record<string, string>; input?: string; cwd?: string; nodeArgs?: string[] },
  ): Promise<CliResult>;
  spawn(args: string[], env?: Record<string, string>): ChildProcess;
  cleanup(): void;
}

export function cliUser(): CliUser {
  if (!fs.existsSync(CLI_PATH)) {
    throw new Error(`${CLI_PATH} is missing: run npm run build first`);
  }
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opampctl-config-'));
  const environment = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: configDir, NO_COLOR: '1', ...extra };
    for (const key of ['OPAMP_SERVER', 'OPAMP_TOKEN', 'COLUMNS'] as const) {
      if (!(key in extra)) {
        delete env[key];
      }
    }
    return env;
  };
  const start = (args: string[], env?: Record<string, string>, cwd?: string, nodeArgs: string[] = []): ChildProcess =>
    spawn(process.execPath, [...nodeArgs, CLI_PATH, ...args], {
      env: environment(env),
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  return {
    configDir,
    // Asynchronous on purpose: the server under test runs in this process and must keep answering.
    run(args, options = {}) {
      return new Promise((resolve, reject) => {
        const child = start(args, options.env, options.cwd, options.nodeArgs);
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
        child.stdin!.end(options.input ?? '');
      });
    },
    spawn: (args, env) => start(args, env),
    cleanup: () => fs.rmSync(configDir, { recursive: true, force: true }),
  };
}

/** Waits until `child` has printed a stdout line that satisfies `match`; fails after `timeoutMs`. */
export function waitForLine(
  child: ChildProcess,
  match: (line: string) => boolean,
  timeoutMs = 10_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let stderr = '';
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no matching line within ${timeoutMs} ms; stdout: ${buffer.slice(-2000)} stderr: ${stderr}`));
    }, timeoutMs);
    const onErr = (c: Buffer): void => {
      stderr += c.toString();
    };
    const onData = (c: Buffer): void => {
      buffer += c.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      const found = lines.find(match);
      if (found !== undefined) {
        cleanup();
        resolve(found);
      }
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onErr);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onErr);
  });
}

/** Node flag that makes the CLI print its peak RSS (`maxrss=<KiB>`) on stderr when it exits. */
export const REPORT_MAX_RSS = `--import=data:text/javascript,${encodeURIComponent(
  "process.on('exit', () => process.stderr.write('maxrss=' + process.resourceUsage().maxRSS + '\\n'))",
)}`;

export function maxRssMiB(stderr: string): number {
  const match = /maxrss=(\d+)/.exec(stderr);
  if (!match) {
    throw new Error(`no maxrss in stderr: ${stderr}`);
  }
  return Number(match[1]) / 1024;
}
