import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where a system Chromium usually lives (Debian, Ubuntu, Fedora, Homebrew-less macOS installs). */
const SYSTEM_CHROMIUMS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

export interface ChromiumChoice {
  executablePath: string;
  source: 'CHROMIUM_PATH' | 'system' | 'npm';
}

/**
 * The Chromium the browser tests drive: `CHROMIUM_PATH` when set, else a system one, else the
 * one `@sparticuz/chromium` ships inside its npm package (so `npm install && npm test` needs
 * nothing else). `BROWSER_CHROMIUM=npm` skips the system lookup, to test the npm path on a
 * machine that has both.
 */
export async function resolveChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumChoice> {
  if (env.CHROMIUM_PATH) {
    if (!fs.existsSync(env.CHROMIUM_PATH)) {
      throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist`);
    }
    return { executablePath: env.CHROMIUM_PATH, source: 'CHROMIUM_PATH' };
  }
  if (env.BROWSER_CHROMIUM !== 'npm') {
    const system = SYSTEM_CHROMIUMS.find((candidate) => fs.existsSync(candidate));
    if (system) {
      return { executablePath: system, source: 'system' };
    }
  }
  return { executablePath: await unpackNpmChromium(), source: 'npm' };
}

/**
 * @sparticuz/chromium inflates its binary into the temp dir on first use. Browser test files run
 * in parallel workers, and two of them inflating the same file at once would corrupt it: take a
 * cross-process lock (an exclusive mkdir) around the first unpack.
 */
async function unpackNpmChromium(): Promise<string> {
  const lock = path.join(os.tmpdir(), 'opamp-platform-chromium.lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
      // A lock older than the deadline belongs to a process that died while unpacking.
      const since = fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() > deadline || Date.now() - since > 120_000) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    const { default: sparticuz } = await import('@sparticuz/chromium');
    return await sparticuz.executablePath();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
