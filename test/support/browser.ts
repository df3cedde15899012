import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { resolveChromium, type ChromiumChoice } from './chromium-path.js';

export const SCREENSHOT_DIR = path.resolve('test-artifacts', 'screenshots');

export interface TestBrowser {
  chromium: ChromiumChoice;
  context: BrowserContext;
  page: Page;
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Headless Chromium (see resolveChromium) on a fresh profile; screenshots land in test-artifacts/screenshots/. */
export async function launchBrowser(viewport = { width: 1400, height: 900 }): Promise<TestBrowser> {
  const choice = await resolveChromium();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'opamp-chromium-'));
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: choice.executablePath,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // The npm-provided Chromium is built without the zygote's sandbox helper.
      '--no-zygote',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  // Rollback and delete ask for confirmation.
  page.on('dialog', (dialog) => void dialog.accept());
  return {
    chromium: choice,
    context,
    page,
    async screenshot(name) {
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
    },
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
