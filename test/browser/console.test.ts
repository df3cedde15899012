import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { PackageStatusEnum, RemoteConfigStatuses } from '../../src/opamp/proto/opamp.types.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { description, uidText, WsTestAgent } from '../support/opamp-agents.js';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../support/test-app.js';

const BAD_YAML = 'receivers:\n  otlp:\n    protocols: [grpc\nexporters:\n  debug: {}\n';
const GOOD_YAML = 'receivers:\n  otlp:\n    protocols:\n      grpc: {}\nexporters:\n  debug: {}\n';
// A whole Collector config whose pipeline names an exporter that is not defined (line 9, column 25).
const BROKEN_COLLECTOR =
  'receivers:\n  otlp:\nexporters:\n  otlp:\n    endpoint: backend:4317\nservice:\n  pipelines:\n    traces:\n' +
  '      exporters: [otlp, otlp/2]\n      receivers: [otlp]\n';
const GOOD_YAML_V2 = GOOD_YAML.replace('debug: {}', 'debug:\n    verbosity: detailed');

/** Answers every config offer like a Collector: APPLYING, then APPLIED a moment later. */
function applyEveryOffer(agent: WsTestAgent): () => void {
  let handled = 0;
  const timer = setInterval(() => {
    while (handled < agent.received.length) {
      const hash = agent.received[handled++].remote_config?.config_hash;
      if (hash && hash.length > 0) {
        agent.send({ remote_config_status: { last_remote_config_hash: hash, status: RemoteConfigStatuses.APPLYING } });
        setTimeout(
          () =>
            agent.send({
              remote_config_status: { last_remote_config_hash: hash, status: RemoteConfigStatuses.APPLIED },
            }),
          300,
        );
      }
    }
  }, 50);
  return () => clearInterval(timer);
}

describe('web console in headless Chromium', () => {
  let app: TestApp;
  let browser: TestBrowser;
  let agent: WsTestAgent;
  let stopApplying: () => void = () => undefined;

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_HEARTBEAT_SECONDS: '1' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    stopApplying();
    agent?.ws.close();
    await browser?.close();
    await app?.close();
  });

  it('logs in', async () => {
    const { page } = browser;
    await page.goto(app.url);
    await browser.screenshot('01-login');
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', 'wrong-password');
    await page.click('button[type=submit]');
    await page.getByRole('alert').waitFor();
    await page.fill('input[name=password]', ADMIN_PASSWORD);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Agents' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/agents');
  });

  it('shows an agent connecting without a reload', async () => {
    const { page } = browser;
    const admin = await app.login();
    const key = (
      await request(app.url).post('/api/v1/agent-keys').set('Authorization', `Bearer ${admin}`).send({ name: 'ui' })
    ).body.key as string;
    await page.getByText('No agents match.').waitFor();
    const marker = await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = Date.now()));
    agent = await WsTestAgent.connect(app.opampUrl, key);
    stopApplying = applyEveryOffer(agent);
    await agent.exchange({ agent_description: description('browser-agent', { env: 'browser' }) });
    const row = page.locator(`tr[data-agent-id="${uidText(agent.uid)}"]`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('browser-agent');
    await row.getByText('online').waitFor();
    // Same document: the row arrived through the live stream, not a navigation.
    expect(await page.evaluate(() => (globalThis as unknown as { marker: number }).marker)).toBe(marker);
    await browser.screenshot('02-agents');
    await row.getByRole('link', { name: 'browser-agent' }).click();
    await page.getByRole('heading', { name: 'Capabilities', exact: true }).waitFor();
    await page.getByText('AcceptsRemoteConfig').waitFor();
    await browser.screenshot('03-agent-detail');
  });

  it('shows a YAML error at its line and column, then saves the fixed config', async () => {
    const { page } = browser;
    await page.getByRole('link', { name: 'Configurations' }).click();
    await page.getByRole('link', { name: 'New configuration' }).click();
    await page.fill('input[name=name]', 'browser-config');
    await page.fill('textarea[name=raw_config]', BAD_YAML);
    const selector = page.getByTestId('selector-editor');
    await selector.getByPlaceholder('label').fill('env');
    await selector.getByPlaceholder('value').fill('browser');
    await selector.getByRole('button', { name: 'Add' }).click();
    await page.getByTestId('matching-agents').getByText('browser-agent').waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    const error = page.getByTestId('config-error');
    await error.waitFor();
    const errorText = (await error.textContent()) ?? '';
    expect(errorText).toMatch(/Line 4, column \d+/);
    expect(errorText.match(/line \d+, column/gi)).toHaveLength(1);
    await page.getByTestId('error-line').waitFor();
    await browser.screenshot('04-config-invalid');

    // Checked as the operator types, before any Save: each finding with its line, and the line marked.
    await page.fill('textarea[name=raw_config]', BROKEN_COLLECTOR);
    const issues = page.getByTestId('validation-issues');
    await issues.getByText('exporter "otlp/2" is not defined under exporters or connectors').waitFor();
    expect(await issues.textContent()).toContain('Error, line 9, column 25');
    await page.locator('.gutter .error-line', { hasText: /^9$/ }).waitFor();
    await browser.screenshot('04b-config-validation');

    await page.fill('textarea[name=raw_config]', GOOD_YAML);
    // Saved without pushing, so the explicit push below is what delivers it.
    await page.getByLabel('Push on save').uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('**/configurations/browser-config');
    await page.getByRole('heading', { name: /browser-config/ }).waitFor();
    await page.getByTestId('matching-agents').getByText('browser-agent').waitFor();
  });

  it('pushes and shows the agent applying the config live', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Push to agents' }).click();
    const progress = page.getByTestId('push-progress');
    await progress.waitFor();
    await progress.locator('li[data-state=applied]', { hasText: 'applied 1' }).waitFor();
    await expect(progress.textContent()).resolves.toContain('1 targeted, 1 sent');
    // The agent reported APPLYING then APPLIED.
    await page.getByTestId('matching-agents').getByText('applied').waitFor();
    await browser.screenshot('05-config-pushed');
  });

  it('diffs two versions and rolls back', async () => {
    const { page } = browser;
    await page.fill('textarea[name=raw_config]', GOOD_YAML_V2);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved version 2').waitFor();
    const diff = page.getByTestId('diff');
    await diff.waitFor();
    await expect(diff.locator('.add').allTextContents()).resolves.toEqual(
      expect.arrayContaining(['+    verbosity: detailed']),
    );
    await browser.screenshot('06-config-diff');
    await page.getByRole('button', { name: 'Roll back to v1' }).click();
    await page.getByRole('heading', { name: /browser-config v3/ }).waitFor();
    await expect(page.locator('textarea[name=raw_config]').inputValue()).resolves.toBe(GOOD_YAML);
    await page.locator('tr[data-version="3"]', { hasText: 'from v1' }).waitFor();
    await browser.screenshot('07-config-rolled-back');
  });

  it('labels an agent, and filters the agents list by that label', async () => {
    const { page } = browser;
    await page.getByRole('link', { name: 'Agents', exact: true }).click();
    await page.getByRole('link', { name: 'browser-agent' }).click();
    const editor = page.getByTestId('labels-editor');
    await editor.getByPlaceholder('key').fill('team');
    await editor.getByPlaceholder('value').fill('observability');
    await editor.getByRole('button', { name: 'Add' }).click();
    await page.getByRole('button', { name: 'Save labels' }).click();
    await page.getByText('Labels saved').waitFor();
    // Versions 2 and 3 were saved without a push (auto push off): the agent's assignment is still the pushed v1.
    await page.getByRole('link', { name: 'browser-config v1' }).waitFor();
    await browser.screenshot('08-agent-labelled');
    await page.getByRole('link', { name: 'Agents', exact: true }).click();
    await page.fill('input[name=selector]', 'team=observability');
    await page.waitForResponse((r) => r.url().includes('selector=team%3Dobservability'));
    await page.locator('.label', { hasText: 'team=observability' }).waitFor();
    await page.getByTestId('agents-count').getByText('1 agent').waitFor();
    // Versions 2 and 3 were saved without a push (auto push off): the agent's assignment is still the pushed v1.
    await page.getByRole('link', { name: 'browser-config v1' }).waitFor();
    await expect(page.locator('input[name=selector]').inputValue()).resolves.toBe('team=observability');
    await browser.screenshot('09-agents-filtered');
    await page.fill('input[name=selector]', 'team=nobody');
    await page.getByText('No agents match.').waitFor();
  });

  it("lists the agent's package statuses, and offers no restart to an agent that cannot restart", async () => {
    const { page } = browser;
    agent.send({
      package_statuses: {
        packages: {
          'otelcol-contrib': {
            name: 'otelcol-contrib',
            agent_has_version: '0.114.0',
            server_offered_version: '0.115.0',
            status: PackageStatusEnum.InstallFailed,
            error_message: 'no space left on device',
          },
        },
        server_provided_all_packages_hash: new Uint8Array(),
      },
    });
    await page.goto(`${app.url}/agents/${uidText(agent.uid)}`);
    const row = page.locator('tr', { hasText: 'otelcol-contrib' });
    await row.getByText('no space left on device').waitFor();
    await expect(row.textContent()).resolves.toContain('0.115.0');
    await row.getByText('install_failed').waitFor();
    // The agent never announced AcceptsRestartCommand: the button says why instead of failing.
    const restart = page.getByRole('button', { name: 'Restart agent' });
    await expect(restart.isDisabled()).resolves.toBe(true);
    await expect(restart.getAttribute('title')).resolves.toBe('The agent does not accept restart commands');
  });

  it('creates an agent key and shows it once with a Collector snippet', async () => {
    const { page } = browser;
    await page.getByRole('link', { name: 'Agent keys' }).click();
    await page.getByPlaceholder(/name, e.g./).fill('prod-collectors');
    await page.getByRole('button', { name: 'Create key' }).click();
    const created = page.getByTestId('new-key');
    await created.waitFor();
    const snippet = (await created.locator('pre').textContent()) ?? '';
    // The server's own OpAMP endpoint (an ephemeral port here), not a hard-coded :4320.
    const opampPort = new URL(app.opampUrl).port;
    expect(snippet).toContain(`endpoint: ws://127.0.0.1:${opampPort}/v1/opamp`);
    await created.getByTestId('endpoint-guess').waitFor();
    expect(snippet).toMatch(/Authorization: Bearer \S{20,}/);
    await browser.screenshot('10-agent-keys');
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'New user' }).waitFor();
    await browser.screenshot('11-users');
  });

  it('uploads a package with a progress bar, downloads it, assigns and deletes it', async () => {
    const { page } = browser;
    const bytes = crypto.randomBytes(6 * 1024 * 1024);
    await page.getByRole('link', { name: 'Packages' }).click();
    const form = page.getByTestId('package-upload');
    // A file on disk, not a buffer: Playwright then hands the browser a path instead of pushing
    // 6 MiB through the DevTools protocol, which took more than 15 s once under load.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'opamp-upload-')), 'otelcol.tar.gz');
    fs.writeFileSync(file, bytes);
    await form.waitFor();
    await form.locator('input[name=file]').setInputFiles(file);
    await form.locator('input[name=name]').fill('otelcol-contrib');
    await form.locator('input[name=version]').fill('0.115.0');
    await form.locator('select[name=arch]').selectOption('amd64');
    await form.getByRole('button', { name: 'Upload' }).click();
    // Bounded by the test's timeout rather than a budget of its own: under load the upload is slow, not stuck.
    await form.getByText('Uploaded otelcol-contrib 0.115.0 (linux/amd64)').waitFor({ timeout: 0 });
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    await expect(
      form.getByTestId('upload-progress').evaluate((el) => (el as unknown as { value: number }).value),
    ).resolves.toBe(1);
    const row = page.locator('tr', { hasText: 'otelcol-contrib' }).first();
    await row.getByText('6.0 MiB').waitFor();
    await browser.screenshot('12-packages');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByRole('button', { name: 'Download' }).click(),
    ]);
    const saved = await download.path();
    expect(crypto.createHash('sha256').update(fs.readFileSync(saved)).digest('hex')).toBe(
      crypto.createHash('sha256').update(bytes).digest('hex'),
    );

    await row.getByRole('button', { name: 'Assign' }).click();
    const assign = page.locator('.card.highlight');
    await assign.getByPlaceholder('label').fill('env');
    await assign.getByPlaceholder('value').fill('browser');
    await assign.getByRole('button', { name: 'Add' }).click();
    await assign.getByRole('button', { name: 'Assign' }).click();
    await page.locator('tr', { hasText: 'env=browser' }).getByRole('button', { name: 'Stop offering' }).click();
    await page.getByText('No package is offered to agents.').waitFor();
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No packages yet.').waitFor();
  });

  it('hides write controls from viewers', async () => {
    const { page } = browser;
    const viewer = `viewer-ui`;
    await request(app.url)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${await app.login()}`)
      .send({ username: viewer, password: 'password-123', role: 'viewer' })
      .expect(201);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.fill('input[name=username]', viewer);
    await page.fill('input[name=password]', 'password-123');
    await page.click('button[type=submit]');
    await page.getByRole('link', { name: 'Configurations' }).click();
    await page.getByRole('link', { name: 'browser-config' }).click();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await expect(page.getByRole('button', { name: 'Push to agents' }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Save' }).count()).resolves.toBe(0);
    await expect(page.locator('textarea[name=raw_config]').getAttribute('readonly')).resolves.not.toBeNull();
    await expect(page.getByRole('link', { name: 'Users' }).count()).resolves.toBe(0);
    await browser.screenshot('13-viewer-configuration');
  });
});
