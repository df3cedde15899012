import request from 'supertest';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { connectFleet, type SimAgent, until } from '../support/sim-fleet.js';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../support/test-app.js';

/** An admin creates a default rollout policy in the console; a configuration's page shows it applies. */
describe('web console: default rollout policies in headless Chromium', () => {
  let app: TestApp;
  let browser: TestBrowser;
  let fleet: SimAgent[] = [];

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_HEARTBEAT_SECONDS: '1' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    fleet.forEach((agent) => agent.close());
    await browser?.close();
    await app?.close();
  });

  it('creates a policy, shows it as the one a matching configuration will use, and deletes it', async () => {
    const admin = await app.login();
    const auth = { Authorization: `Bearer ${admin}` };
    const key = (await request(app.url).post('/api/v1/agent-keys').set(auth).send({ name: 'ui' })).body.key as string;
    await request(app.url)
      .post('/api/v1/configurations')
      .set(auth)
      .send({ name: 'web-prod', raw_config: 'w: 1\n', selector: { fleet: 'web' } })
      .expect(201);
    fleet = await connectFleet(app.opampUrl, key, 1, { fleet: 'web', env: 'prod' }, 300);
    await until(() => fleet.every((a) => a.running !== null), 10_000);

    const { page } = browser;
    await page.goto(app.url);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', ADMIN_PASSWORD);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Agents' }).waitFor();
    await page.click('nav >> text=Rollout policies');
    await page.getByRole('heading', { name: 'Default rollout policies' }).waitFor();
    const form = page.locator('form[data-testid=new-rollout-policy]');
    await form.locator('input[name=name]').fill('prod-canary');
    await form.locator('input[name=percents]').fill('10, 100');
    // No selector yet: the server refuses it and the form says why.
    await form.locator('button[type=submit]').click();
    await form.getByText('selector must name at least one label').waitFor();
    await form.locator('[data-testid=policy-selector] input[placeholder=label]').fill('env');
    await form.locator('[data-testid=policy-selector] input[placeholder=value]').fill('prod');
    await form.locator('[data-testid=policy-selector] button', { hasText: 'Add' }).click();
    await form.locator('button[type=submit]').click();
    const row = page.locator('[data-testid=rollout-policies-table] tr[data-policy=prod-canary]');
    await row.waitFor();
    expect(await row.textContent()).toContain('10% → 100%');
    await browser.screenshot('rollout-policies');

    await page.goto(`${app.url}/configurations/web-prod`);
    const effective = page.locator('[data-testid=effective-policy]');
    await effective.waitFor();
    expect(await effective.textContent()).toContain('default policy "prod-canary"');
    // Opting the configuration out: the page says its next version goes out at once.
    await page.uncheck('input[name=inherit_rollout_policy]');
    await page.click('form button[type=submit]');
    await effective.getByText('inherit_rollout_policy is false').waitFor();
    const saved = await request(app.url).get('/api/v1/configurations/web-prod').set(auth).expect(200);
    expect(saved.body).toEqual(expect.objectContaining({ inherit_rollout_policy: false, version: 1 }));

    // The console's confirm() is accepted by the browser support.
    await page.goto(`${app.url}/rollout-policies`);
    await row.locator('button', { hasText: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
    const left = await request(app.url).get('/api/v1/rollout-policies').set(auth).expect(200);
    expect(left.body).toEqual([]);
  }, 90_000);
});
