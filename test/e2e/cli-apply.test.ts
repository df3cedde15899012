import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { CLI_TIMEOUT, cliUser, type CliUser } from '../support/cli.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ALPHA = 'exporters:\n  otlp:\n    endpoint: a.example:4317\n';
const ALPHA_EDITED = 'exporters:\n  otlp:\n    endpoint: b.example:4317\n';

/** Lines that announce an action (not diff lines, which are indented). */
function actionLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => /^[+~=?-] /.test(l));
}

describe('opampctl plan / apply / export (e2e)', () => {
  let app: TestApp;
  let cli: CliUser;
  let admin: string;
  let env: Record<string, string>;
  let dir: string;

  const api = () => ({
    get: (p: string) => request(app.url).get(`/api/v1${p}`).set('Authorization', `Bearer ${admin}`),
    post: (p: string, body: object) =>
      request(app.url).post(`/api/v1${p}`).set('Authorization', `Bearer ${admin}`).send(body),
    put: (p: string, body: object) =>
      request(app.url).put(`/api/v1${p}`).set('Authorization', `Bearer ${admin}`).send(body),
  });

  beforeAll(async () => {
    app = await startTestApp();
    admin = await app.login();
    env = { OPAMP_SERVER: app.url, OPAMP_TOKEN: admin };
    cli = cliUser();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opampctl-manifests-'));
    await api()
      .post('/configurations', { name: 'alpha', raw_config: ALPHA, selector: { env: 'prod' }, priority: 5 })
      .expect(201);
    await api()
      .post('/configurations', {
        name: 'beta',
        raw_config: '{"service": {"name": "beta"}}',
        content_type: 'application/json',
        selector: { env: 'dev', team: 'obs' },
        description: 'the dev fleet',
        auto_push: false,
      })
      .expect(201);
  });

  afterAll(async () => {
    cli.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
    await app.close();
  });

  it(
    'exports the server as manifests, and a plan of the export shows no change (exit 0)',
    async () => {
      const exported = await cli.run(['export', '-o', dir], { env });
      expect(exported.code).toBe(0);
      expect(fs.readdirSync(dir).sort()).toEqual(['alpha.yaml', 'beta.yaml', 'config']);
      expect(fs.readFileSync(path.join(dir, 'config', 'alpha.yaml'), 'utf8')).toBe(ALPHA);
      expect(fs.readFileSync(path.join(dir, 'beta.yaml'), 'utf8')).toContain('configFile: ./config/beta.json');

      const plan = await cli.run(['plan', '-f', dir], { env });
      expect(plan.stderr).toBe('');
      expect(plan.code).toBe(0);
      expect(actionLines(plan.stdout)).toEqual(['= unchanged configuration alpha', '= unchanged configuration beta']);
      expect(plan.stdout).toContain('No changes');
    },
    CLI_TIMEOUT,
  );

  it(
    'shows exactly an edit as an update with its unified diff, exits 2, and changes nothing',
    async () => {
      fs.writeFileSync(path.join(dir, 'config', 'alpha.yaml'), ALPHA_EDITED);
      const manifest = path.join(dir, 'alpha.yaml');
      fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace('priority: 5', 'priority: 7'));

      const plan = await cli.run(['plan', '-f', dir], { env });
      expect(plan.code).toBe(2);
      expect(actionLines(plan.stdout)).toEqual([
        '~ update configuration alpha (planned against version 1)',
        '= unchanged configuration beta',
      ]);
      const body = plan.stdout.split('\n');
      const start = body.indexOf('~ update configuration alpha (planned against version 1)');
      expect(body.slice(start + 1, start + 10)).toEqual([
        '    priority: 5 -> 7',
        '    --- alpha (server, version 1)',
        '    +++ alpha (manifest)',
        '    @@ -1,3 +1,3 @@',
        '     exporters:',
        '       otlp:',
        '    -    endpoint: a.example:4317',
        '    +    endpoint: b.example:4317',
        '= unchanged configuration beta',
      ]);
      expect((await api().get('/configurations/alpha').expect(200)).body).toEqual(
        expect.objectContaining({ version: 1, priority: 5, raw_config: ALPHA }),
      );
    },
    CLI_TIMEOUT,
  );

  it(
    'applies creates and updates, after which plan exits 0',
    async () => {
      fs.writeFileSync(
        path.join(dir, 'gamma.yml'),
        [
          'apiVersion: opamp-platform/v1',
          'kind: Configuration',
          'metadata:',
          '  name: gamma',
          'spec:',
          '  selector:',
          '    env: staging',
          '  config:',
          '    receivers:',
          '      otlp: {}',
        ].join('\n'),
      );
      const apply = await cli.run(['apply', '-f', dir], { env });
      expect(apply.stderr).toBe('');
      expect(apply.code).toBe(0);
      expect(apply.stdout).toContain('+ create configuration gamma');
      expect(apply.stdout).toContain('created configuration gamma (version 1)');
      expect(apply.stdout).toContain('updated configuration alpha: version 1 -> 2');
      expect((await api().get('/configurations/alpha').expect(200)).body).toEqual(
        expect.objectContaining({ version: 2, priority: 7, raw_config: ALPHA_EDITED, selector: { env: 'prod' } }),
      );
      expect((await api().get('/configurations/gamma').expect(200)).body).toEqual(
        expect.objectContaining({
          raw_config: 'receivers:\n  otlp: {}\n',
          selector: { env: 'staging' },
          content_type: 'text/yaml',
        }),
      );
      const beta = (await api().get('/configurations/beta').expect(200)).body;
      expect(beta).toEqual(expect.objectContaining({ version: 1, description: 'the dev fleet', auto_push: false }));

      const plan = await cli.run(['plan', '-f', dir], { env });
      expect(plan.code).toBe(0);
      expect(actionLines(plan.stdout).every((l) => l.startsWith('= '))).toBe(true);
      const again = await cli.run(['apply', '-f', dir], { env });
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('No changes');
    },
    CLI_TIMEOUT,
  );

  it(
    'refuses to apply a plan when the configuration changed on the server since (exit 1)',
    async () => {
      fs.writeFileSync(path.join(dir, 'config', 'alpha.yaml'), ALPHA);
      const planFile = path.join(os.tmpdir(), `opampctl-plan-${process.pid}.json`);
      try {
        const plan = await cli.run(['plan', '-f', dir, '--out', planFile], { env });
        expect(plan.code).toBe(2);
        await api().put('/configurations/alpha', { raw_config: 'exporters: {}\n' }).expect(200);
        const apply = await cli.run(['apply', '--plan', planFile], { env });
        expect(apply.code).toBe(1);
        expect(apply.stderr).toContain('configuration alpha changed on the server since the plan');
        expect((await api().get('/configurations/alpha').expect(200)).body).toEqual(
          expect.objectContaining({ version: 3, raw_config: 'exporters: {}\n' }),
        );

        // A priority-only change keeps the version: the plan's updated_at still catches it.
        const fresh = await cli.run(['plan', '-f', dir, '--out', planFile], { env });
        expect(fresh.code).toBe(2);
        await api().put('/configurations/alpha', { priority: 99 }).expect(200);
        const stale = await cli.run(['apply', '--plan', planFile], { env });
        expect(stale.code).toBe(1);
        expect(stale.stderr).toContain('changed on the server since the plan');
        expect((await api().get('/configurations/alpha').expect(200)).body).toEqual(
          expect.objectContaining({ version: 3, priority: 99 }),
        );
      } finally {
        fs.rmSync(planFile, { force: true });
      }
      expect((await cli.run(['apply', '-f', dir], { env })).code).toBe(0);
      expect((await cli.run(['plan', '-f', dir], { env })).code).toBe(0);
    },
    CLI_TIMEOUT,
  );

  it(
    'deletes with --prune only what is missing from the directory',
    async () => {
      fs.rmSync(path.join(dir, 'beta.yaml'));
      const plain = await cli.run(['plan', '-f', dir], { env });
      expect(plain.code).toBe(0);
      expect(plain.stdout).toContain('? configuration beta is on the server but in no manifest');

      const plan = await cli.run(['plan', '-f', dir, '--prune'], { env });
      expect(plan.code).toBe(2);
      expect(actionLines(plan.stdout)).toEqual([
        '= unchanged configuration alpha',
        '= unchanged configuration gamma',
        '- delete configuration beta (version 1)',
      ]);
      const apply = await cli.run(['apply', '-f', dir, '--prune'], { env });
      expect(apply.code).toBe(0);
      await api().get('/configurations/beta').expect(404);
      await api().get('/configurations/alpha').expect(200);
      await api().get('/configurations/gamma').expect(200);
      expect((await cli.run(['plan', '-f', dir, '--prune'], { env })).code).toBe(0);
    },
    CLI_TIMEOUT,
  );

  it(
    'reports every invalid manifest with its file and writes nothing',
    async () => {
      const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'opampctl-bad-'));
      try {
        fs.writeFileSync(
          path.join(bad, 'a.yaml'),
          'apiVersion: opamp-platform/v1\nkind: Configuration\nmetadata: {name: new-one}\nspec: {config: "a: 1", selectr: {}}\n',
        );
        fs.writeFileSync(
          path.join(bad, 'b.yaml'),
          'apiVersion: opamp-platform/v1\nkind: Configuration\nmetadata: {name: other}\nspec: {configFile: ./missing.yaml}\n',
        );
        fs.writeFileSync(path.join(bad, 'c.yaml'), 'apiVersion: v0\nkind: Configuration\n');
        const apply = await cli.run(['apply', '-f', bad], { env });
        expect(apply.code).toBe(1);
        expect(apply.stderr).toContain(`${path.join(bad, 'a.yaml')}: unknown spec field(s): selectr`);
        expect(apply.stderr).toContain(`${path.join(bad, 'b.yaml')}: spec.configFile ./missing.yaml: ENOENT`);
        expect(apply.stderr).toContain(`${path.join(bad, 'c.yaml')}: apiVersion must be opamp-platform/v1`);
        await api().get('/configurations/new-one').expect(404);
      } finally {
        fs.rmSync(bad, { recursive: true, force: true });
      }
    },
    CLI_TIMEOUT,
  );

  it(
    'fails with exit 1 on a bad token instead of planning against nothing',
    async () => {
      const plan = await cli.run(['plan', '-f', dir], { env: { OPAMP_SERVER: app.url, OPAMP_TOKEN: 'expired' } });
      expect(plan.code).toBe(1);
      expect(plan.stderr).toContain('not authenticated');
    },
    CLI_TIMEOUT,
  );
});
