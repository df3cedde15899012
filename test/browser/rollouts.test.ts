import request from 'supertest';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { SEED_FIELDS, upload } from '../support/packages.js';
import { connectFleet, type SimAgent, until } from '../support/sim-fleet.js';
import { connectPackageFleet, type PackageSimAgent } from '../support/sim-package-agent.js';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../support/test-app.js';

/** An operator starts a rollout in the console, watches it advance, and sees a gate trip. */
describe('web console: rollouts in headless Chromium', () => {
  let app: TestApp;
  let browser: TestBrowser;
  let fleet: SimAgent[] = [];
  let packageFleet: PackageSimAgent[] = [];

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_HEARTBEAT_SECONDS: '1' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    fleet.forEach((agent) => agent.close());
    packageFleet.forEach((agent) => agent.close());
    await browser?.close();
    await app?.close();
  });

  it('starts a rollout, shows it advancing, then the gate an unhealthy agent trips', async () => {
    const admin = await app.login();
    const auth = { Authorization: `Bearer ${admin}` };
    const key = (await request(app.url).post('/api/v1/agent-keys').set(auth).send({ name: 'ui' })).body.key as string;
    await request(app.url)
      .post('/api/v1/configurations')
      .set(auth)
      .send({ name: 'web-rollout', raw_config: 'w: 1\n', selector: { fleet: 'web' }, auto_push: false })
      .expect(201);
    fleet = await connectFleet(app.opampUrl, key, 6, { fleet: 'web' }, 300);
    await until(() => fleet.every((a) => a.running !== null), 10_000);
    const v2 = (
      await request(app.url)
        .put('/api/v1/configurations/web-rollout')
        .set(auth)
        .send({ raw_config: 'w: 2\n' })
        .expect(200)
    ).body.config_hash as string;

    const { page } = browser;
    await page.goto(app.url);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', ADMIN_PASSWORD);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Agents' }).waitFor();
    await page.click('nav >> text=Rollouts');
    await page.getByRole('heading', { name: 'Rollouts' }).waitFor();
    await page.fill('form[data-testid=new-rollout] input[name=configuration]', 'web-rollout');
    await page.fill('form[data-testid=new-rollout] input[name=percents]', '50, 100');
    await page.fill('form[data-testid=new-rollout] input[name=bake]', '2');
    await page.click('form[data-testid=new-rollout] button[type=submit]');
    const rollout = page.locator('[data-testid=rollout]');
    await rollout.waitFor();
    const id = new URL(page.url()).pathname.split('/').pop()!;

    // One agent of the second stage turns unhealthy once it runs the new version.
    const second = (await request(app.url).get(`/api/v1/rollouts/${id}/agents?stage=2`).set(auth).expect(200)).body;
    const sick = fleet.find((a) => a.id === second[0].agent_id)!;
    await page.locator('[data-testid=stage-bar] [data-state=done]').first().waitFor({ timeout: 20_000 });
    await page.locator('[data-testid=rollout][data-stage="2"]').waitFor();
    await browser.screenshot('rollout-advancing');
    await until(() => sick.running === v2, 15_000);
    sick.setHealthy(false);

    const tripped = page.locator('[data-testid=tripped-gate]');
    await tripped.waitFor({ timeout: 20_000 });
    expect(await tripped.textContent()).toContain('unhealthy');
    expect(await tripped.textContent()).toContain(sick.id);
    expect(await page.locator('[data-testid=rollout-status]').textContent()).toBe('paused');
    await page.locator('[data-testid=stage-bar] [data-state=tripped]').waitFor();
    await browser.screenshot('rollout-gate-tripped');

    // Rolling back from the page gives the updated agents their previous version.
    await page.click('button[data-action=rollback]');
    await page.locator('[data-testid=rollout][data-status=rolled_back]').waitFor();
    await until(() => fleet.every((a) => a.running !== v2), 15_000);
  }, 120_000);

  it('starts a package rollout from the form, renders its detail to completion and lists it as name@version', async () => {
    const admin = await app.login();
    const auth = { Authorization: `Bearer ${admin}` };
    const key = (await request(app.url).post('/api/v1/agent-keys').set(auth).send({ name: 'ui-pkg' })).body
      .key as string;
    const pkg = await upload(app.url, admin, Buffer.from('otelcol 2'), {
      ...SEED_FIELDS,
      name: 'otelcol',
      version: '2.0.0',
    });
    const assignment = await request(app.url)
      .post('/api/v1/package-assignments')
      .set(auth)
      .send({ package_id: pkg.body.id, selector: { fleet: 'web-pkg' }, hold: true })
      .expect(201);
    packageFleet = await connectPackageFleet(app.opampUrl, key, 4, { fleet: 'web-pkg' }, {}, 300);
    const { page } = browser;
    await page.goto(`${app.url}/rollouts`);
    const login = page.locator('input[name=username]');
    await page.locator('input[name=username], [data-testid=rollouts-table]').first().waitFor();
    if (await login.isVisible()) {
      await page.fill('input[name=username]', 'admin');
      await page.fill('input[name=password]', ADMIN_PASSWORD);
      await page.click('button[type=submit]');
      await page.click('nav >> text=Rollouts');
    }
    const form = page.locator('form[data-testid=new-rollout]');
    await form.locator('select[name=subject]').selectOption('package');
    await form
      .locator(`select[name=package_assignment] option[value="${assignment.body.id}"]`)
      .waitFor({ state: 'attached' });
    await form.locator('select[name=package_assignment]').selectOption(String(assignment.body.id));
    await form.locator('input[name=percents]').fill('50, 100');
    await form.locator('input[name=bake]').fill('1');
    await form.locator('button[type=submit]').click();
    await page.locator('[data-testid=rollout]').waitFor();
    const id = new URL(page.url()).pathname.split('/').pop()!;
    await page.locator(`[data-testid=rollout][data-status=completed]`).waitFor({ timeout: 20_000 });
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      `Rollout of package otelcol@2.0.0 (assignment ${assignment.body.id})`,
    );
    expect(await page.locator('[data-testid=stage-bar] [data-state=done]').count()).toBe(2);
    await browser.screenshot('package-rollout-completed');
    await until(() => packageFleet.every((a) => a.installed.get('otelcol') === '2.0.0'));
    // The list shows it by its subject, name@version.
    await page.click('nav >> text=Rollouts');
    const row = page.locator('[data-testid=rollouts-table] tr', { hasText: 'otelcol@2.0.0' });
    await row.waitFor();
    expect(await row.locator('a').getAttribute('href')).toBe(`/rollouts/${id}`);
  }, 60_000);
});
