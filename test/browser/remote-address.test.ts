import os from 'node:os';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The machine's own non-loopback IPv4 address. Browsers treat localhost (and 127/8) as a secure
 * context, so a CSP that breaks plain HTTP only shows when the console is opened by another address.
 */
function ownAddress(): string | undefined {
  return Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;
}

const address = ownAddress();
const describeWithAddress = address ? describe : describe.skip;
if (!address) {
  process.stderr.write(
    'No non-loopback IPv4 address on this machine: skipping the console-by-remote-address browser test\n',
  );
}

describeWithAddress(`console opened by the machine's own address (${address ?? 'none'}) over plain HTTP`, () => {
  let app: TestApp;
  let browser: TestBrowser;

  beforeAll(async () => {
    app = await startTestApp({ HTTP_HOST: address! });
    browser = await launchBrowser({ width: 390, height: 844 });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('loads every asset over http and renders the login form, then the agents page', async () => {
    const { page } = browser;
    const failed: string[] = [];
    const requested: string[] = [];
    page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('request', (r) => requested.push(r.url()));
    const url = app.url;
    expect(new URL(url).hostname).not.toMatch(/^(localhost|127\.)/);
    await page.goto(url);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', ADMIN_PASSWORD);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Agents' }).waitFor();
    await browser.screenshot('remote-address-390px');
    expect(failed).toEqual([]);
    expect(requested.filter((u) => u.startsWith('https:'))).toEqual([]);
    expect(requested.some((u) => /\/assets\/.+\.js$/.test(u))).toBe(true);
  });

  it('fits the header in a 390 px wide window (no horizontal scrolling)', async () => {
    const { page } = browser;
    // Evaluated in the page (a string: the test's own TypeScript has no DOM types).
    const overflow = await page.evaluate(`(() => {
      const doc = document.documentElement;
      const header = document.querySelector('header');
      return { page: doc.scrollWidth - doc.clientWidth, header: header ? header.scrollWidth - header.clientWidth : -1 };
    })()`);
    expect(overflow).toEqual({ page: 0, header: 0 });
  });

  it('lets the signed-in user change their own password', async () => {
    const { page } = browser;
    await page.locator('header').getByRole('link', { name: 'admin' }).click();
    const form = page.getByTestId('change-password');
    await form.locator('input[name=current_password]').fill('not-the-password');
    await form.locator('input[name=new_password]').fill('brand-new-password');
    await form.locator('input[name=confirm_password]').fill('brand-new-password');
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByRole('alert').waitFor();
    await form.locator('input[name=current_password]').fill(ADMIN_PASSWORD);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByText('Password changed').waitFor();
    await browser.screenshot('account-390px');
    await app.login('admin', 'brand-new-password');
  });
});
