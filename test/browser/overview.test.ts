import pg from 'pg';
import request from 'supertest';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { description, WsTestAgent } from '../support/opamp-agents.js';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../support/test-app.js';

describe('fleet overview page in headless Chromium', () => {
  let app: TestApp;
  let browser: TestBrowser;
  const agents: WsTestAgent[] = [];

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_ALLOW_ANONYMOUS: 'true' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    agents.forEach((agent) => agent.close());
    await browser?.close();
    await app?.close();
  });

  it('renders counts, tables and the 24-hour chart', async () => {
    for (const name of ['ov-a', 'ov-b', 'ov-c']) {
      const agent = await WsTestAgent.connect(app.opampUrl);
      await agent.exchange({ agent_description: description(name) });
      agents.push(agent);
    }
    const client = new pg.Client({ connectionString: app.databaseUrl });
    await client.connect();
    try {
      // A day of minute samples, as the sampler leaves them.
      await client.query(
        `INSERT INTO fleet_samples (at, online, offline)
         SELECT date_trunc('minute', now()) - make_interval(mins => m), 2 + (m % 90) / 30, m % 3
           FROM generate_series(1, 1439) AS m
         ON CONFLICT (at) DO NOTHING`,
      );
    } finally {
      await client.end();
    }
    const { page } = browser;
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    await page.goto(app.url);

    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', ADMIN_PASSWORD);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Agents' }).waitFor();
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
    await page.locator('[data-testid=fleet-chart] canvas').waitFor();
    const totals = await page.getByTestId('fleet-totals').innerText();
    expect(totals).toMatch(/Agents\s+3/);
    expect(await page.getByTestId('by-version').innerText()).toContain('1.2.3');
    expect(await page.getByTestId('by-health').innerText()).toMatch(/unknown|healthy/);
    expect(await page.getByTestId('recent-failures').innerText()).toContain('No failed applies.');
    const box = await page.locator('[data-testid=fleet-chart] canvas').boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    expect(box!.height).toBeGreaterThan(100);
    await browser.screenshot('overview');
    expect(errors).toEqual([]);
  });

  it('lists API changes on the audit page, filtered by resource (admin)', async () => {
    const admin = await app.login();
    for (const name of ['audited-key', 'second-key']) {
      await request(app.url)
        .post('/api/v1/agent-keys')
        .set('Authorization', `Bearer ${admin}`)
        .send({ name })
        .expect(201);
    }
    await request(app.url)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${admin}`)
      .send({ username: 'x', password: 'short', role: 'viewer' })
      .expect(400);
    const { page } = browser;
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    const table = page.getByTestId('audit-table');
    await table.getByText('agent-keys').first().waitFor();
    const rows = await table.locator('tbody tr').allInnerTexts();
    expect(rows.filter((row) => /create\s+agent-keys/.test(row) && row.includes('success'))).toHaveLength(2);
    expect(rows.some((row) => /create\s+users/.test(row) && row.includes('failure') && row.includes('400'))).toBe(true);
    // The change is there, and the key itself is not.
    await page.fill('[data-testid=audit-filters] input[name=resource]', 'users');
    await page.click('[data-testid=audit-filters] button[type=submit]');
    await table.locator('tbody tr', { hasText: 'agent-keys' }).first().waitFor({ state: 'detached' });
    const filtered = await table.locator('tbody tr').allInnerTexts();
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.every((row) => row.includes('users'))).toBe(true);
    await browser.screenshot('audit');
  });
});
