import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { AgentCapabilities } from '../../src/opamp/proto/opamp.types.js';
import { CLI_TIMEOUT, cliUser, maxRssMiB, REPORT_MAX_RSS, waitForLine, type CliUser } from '../support/cli.js';
import { eventually } from '../support/eventually.js';
import { BASIC_CAPABILITIES, description, uidText, WsTestAgent } from '../support/opamp-agents.js';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../support/test-app.js';

const execFileAsync = promisify(execFile);
const RESTARTABLE = BASIC_CAPABILITIES | AgentCapabilities.AcceptsRestartCommand;
const YAML_V1 = 'receivers:\n  otlp: {}\nexporters:\n  debug: {}\n';
const YAML_V2 = 'receivers:\n  otlp: {}\nexporters:\n  debug:\n    verbosity: detailed\n';

describe('opampctl: the built CLI against a real server (e2e)', () => {
  let app: TestApp;
  let cli: CliUser;
  let admin: string;
  let env: Record<string, string>;
  let agent: WsTestAgent;
  let agentId: string;
  let tmp: string;

  beforeAll(async () => {
    app = await startTestApp();
    admin = await app.login();
    env = { OPAMP_SERVER: app.url, OPAMP_TOKEN: admin };
    cli = cliUser();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'opampctl-e2e-'));
  });

  afterAll(async () => {
    agent?.close();
    cli.cleanup();
    fs.rmSync(tmp, { recursive: true, force: true });
    await app.close();
  });

  describe('login and contexts', () => {
    it(
      'refuses a wrong password and writes nothing',
      async () => {
        const result = await cli.run(['login', '--server', app.url, '-u', 'admin', '--password-stdin'], {
          input: 'wrong-password\n',
        });
        expect(result.code).toBe(1);
        expect(result.stderr).toContain('wrong username or password');
        expect(fs.existsSync(path.join(cli.configDir, 'opampctl', 'config.json'))).toBe(false);
      },
      CLI_TIMEOUT,
    );

    it(
      'asks for no password without a terminal: it says to use --password-stdin',
      async () => {
        const result = await cli.run(['login', '--server', app.url, '-u', 'admin']);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain('--password-stdin');
      },
      CLI_TIMEOUT,
    );

    it(
      'logs in, stores the token with mode 0600 and uses it',
      async () => {
        const login = await cli.run(['login', '--server', app.url, '-u', 'admin', '--password-stdin'], {
          input: `${ADMIN_PASSWORD}\n`,
        });
        expect(login.stderr).toBe('');
        expect(login.code).toBe(0);
        expect(login.stdout).toContain(`Logged in to ${app.url} as admin (admin)`);
        const file = path.join(cli.configDir, 'opampctl', 'config.json');
        expect(fs.statSync(file).mode & 0o777).toBe(0o600);
        const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
        expect(stored.current_context).toBe('default');
        expect(stored.contexts.default).toEqual(
          expect.objectContaining({ server: app.url, username: 'admin', token: expect.any(String) }),
        );
        const me = await cli.run(['whoami', '-o', 'json']);
        expect(me.code).toBe(0);
        expect(JSON.parse(me.stdout)).toEqual(expect.objectContaining({ username: 'admin', role: 'admin' }));
      },
      CLI_TIMEOUT,
    );

    it(
      'keeps several named contexts and switches between them; tokens are never listed',
      async () => {
        await app.tokenFor('viewer');
        await request(app.url)
          .post('/api/v1/users')
          .set('Authorization', `Bearer ${admin}`)
          .send({ username: 'cli-viewer', password: 'viewer-password', role: 'viewer' })
          .expect(201);
        const login = await cli.run(
          ['--context', 'readonly', 'login', '--server', app.url, '-u', 'cli-viewer', '--password-stdin'],
          { input: 'viewer-password' },
        );
        expect(login.code).toBe(0);
        const list = await cli.run(['context', 'list', '-o', 'json']);
        const contexts = JSON.parse(list.stdout);
        expect(contexts.map((c: { name: string; current: boolean }) => [c.name, c.current])).toEqual([
          ['default', false],
          ['readonly', true],
        ]);
        const stored = JSON.parse(fs.readFileSync(path.join(cli.configDir, 'opampctl', 'config.json'), 'utf8'));
        expect(list.stdout).not.toContain(stored.contexts.readonly.token);
        expect((await cli.run(['whoami'])).stdout).toContain('cli-viewer (viewer)');
        expect((await cli.run(['--context', 'default', 'whoami'])).stdout).toContain('admin (admin)');
        expect((await cli.run(['whoami', '--context', 'default'])).stdout).toContain('admin (admin)');

        // A viewer may read but not write: the server's 403 comes back as a clear error.
        const refused = await cli.run(['keys', 'create', 'nope']);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(/^error: forbidden/);

        expect((await cli.run(['context', 'use', 'default'])).code).toBe(0);
        expect((await cli.run(['whoami'])).stdout).toContain('admin (admin)');
        const unknown = await cli.run(['context', 'use', 'nope']);
        expect(unknown.code).toBe(1);
        expect(unknown.stderr).toContain('no context "nope"; known: default, readonly');
      },
      CLI_TIMEOUT,
    );

    it(
      'logs out: the token is gone and the server refuses the next request',
      async () => {
        const other = cliUser();
        try {
          await other.run(['login', '--server', app.url, '-u', 'admin', '--password-stdin'], { input: ADMIN_PASSWORD });
          expect((await other.run(['logout'])).code).toBe(0);
          const me = await other.run(['whoami']);
          expect(me.code).toBe(1);
          expect(me.stderr).toContain('not authenticated');
        } finally {
          other.cleanup();
        }
      },
      CLI_TIMEOUT,
    );

    it(
      'takes OPAMP_SERVER / OPAMP_TOKEN from the environment, and says so when the token is bad',
      async () => {
        const fresh = cliUser();
        try {
          expect((await fresh.run(['whoami'], { env })).stdout).toContain('admin (admin)');
          const bad = await fresh.run(['agents', 'list'], {
            env: { OPAMP_SERVER: app.url, OPAMP_TOKEN: 'not-a-token' },
          });
          expect(bad.code).toBe(1);
          expect(bad.stderr).toContain('not authenticated');
          const none = await fresh.run(['agents', 'list']);
          expect(none.code).toBe(1);
          expect(none.stderr).toContain('not logged in');
          const down = await fresh.run(['whoami'], { env: { OPAMP_SERVER: 'http://127.0.0.1:1', OPAMP_TOKEN: 'x' } });
          expect(down.code).toBe(1);
          expect(down.stderr).toContain('cannot reach the server');
        } finally {
          fresh.cleanup();
        }
      },
      CLI_TIMEOUT,
    );
  });

  describe('keys and agents', () => {
    let key: string;

    it(
      'creates, lists and revokes enrollment keys; the key is printed once',
      async () => {
        const created = await cli.run(['keys', 'create', 'cli-fleet'], { env });
        expect(created.code).toBe(0);
        key = created.stdout.trim();
        expect(key).toMatch(/^opk_[A-Za-z0-9_-]{43}$/);
        const spare = JSON.parse((await cli.run(['keys', 'create', 'spare', '-o', 'json'], { env })).stdout);
        const list = await cli.run(['keys', 'list', '-o', 'json'], { env });
        const keys = JSON.parse(list.stdout);
        expect(keys.map((k: { name: string }) => k.name).sort()).toEqual(['cli-fleet', 'spare']);
        expect(list.stdout).not.toContain(key);
        expect((await cli.run(['keys', 'revoke', spare.id], { env })).code).toBe(0);
        const after = JSON.parse((await cli.run(['keys', 'list', '-o', 'json'], { env })).stdout);
        expect(after.find((k: { id: string }) => k.id === spare.id).revoked_at).toEqual(expect.any(String));
        const unknown = await cli.run(['keys', 'revoke', '00000000-0000-4000-8000-000000000000'], { env });
        expect(unknown.code).toBe(1);
      },
      CLI_TIMEOUT,
    );

    it(
      'lists, filters and shows agents; tables fit the terminal width',
      async () => {
        agent = await WsTestAgent.connect(app.opampUrl, key);
        await agent.exchange({
          capabilities: RESTARTABLE,
          agent_description: description('cli-collector', { env: 'e2e' }),
        });
        agentId = uidText(agent.uid);

        const json = JSON.parse((await cli.run(['agents', 'list', '-o', 'json'], { env })).stdout);
        expect(json).toEqual([
          expect.objectContaining({ instance_uid: agentId, name: 'cli-collector', status: 'online' }),
        ]);
        const table = await cli.run(['agents', 'list'], { env });
        expect(table.stdout.split('\n')[0]).toMatch(/^INSTANCE UID\s+NAME\s+STATUS/);
        expect(table.stdout).toContain(agentId);
        const narrow = await cli.run(['agents', 'list'], { env: { ...env, COLUMNS: '70' } });
        const lines = narrow.stdout.trimEnd().split('\n');
        expect(lines).toHaveLength(2);
        expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(70);
        expect(narrow.stdout).toContain('…');

        const yaml = await cli.run(['agents', 'list', '--selector', 'env=e2e', '--status', 'online', '-o', 'yaml'], {
          env,
        });
        expect(yaml.stdout).toContain(`instance_uid: ${agentId}`);
        const none = await cli.run(['agents', 'list', '-q', 'no-such-agent', '-o', 'json'], { env });
        expect(JSON.parse(none.stdout)).toEqual([]);
        const badStatus = await cli.run(['agents', 'list', '--status', 'sleeping'], { env });
        expect(badStatus.code).toBe(1);

        const detail = await cli.run(['agents', 'get', agentId, '-o', 'json'], { env });
        expect(JSON.parse(detail.stdout)).toEqual(
          expect.objectContaining({ instance_uid: agentId, identifying_attributes: expect.any(Object) }),
        );
        const unknown = await cli.run(['agents', 'get', '00000000-0000-4000-8000-000000000000'], { env });
        expect(unknown.code).toBe(1);
        expect(unknown.stderr).toMatch(/^error: .*not found/i);
      },
      CLI_TIMEOUT,
    );

    it(
      'sets and removes labels, refusing malformed changes before any request',
      async () => {
        const set = await cli.run(['agents', 'label', agentId, 'ring=canary', 'team=obs'], { env });
        expect(set.code).toBe(0);
        expect(set.stdout).toContain('ring=canary,team=obs');
        const removed = await cli.run(['agents', 'label', agentId, 'team-', '-o', 'json'], { env });
        expect(JSON.parse(removed.stdout).labels).toEqual({ ring: 'canary' });
        const bad = await cli.run(['agents', 'label', agentId, 'just-a-word'], { env });
        expect(bad.code).toBe(1);
        expect(bad.stderr).toContain('"just-a-word" is neither key=value nor key-');
        const missing = await cli.run(['agents', 'label', agentId, 'absent-'], { env });
        expect(missing.code).toBe(1);
        const stored = await request(app.url).get(`/api/v1/agents/${agentId}`).set('Authorization', `Bearer ${admin}`);
        expect(stored.body.labels).toEqual({ ring: 'canary' });
      },
      CLI_TIMEOUT,
    );

    it(
      'restarts an agent that accepts it, and reports the refusal for one that is gone',
      async () => {
        const next = agent.received.length + 1;
        const restarted = await cli.run(['agents', 'restart', agentId], { env });
        expect(restarted.code).toBe(0);
        // The Restart command is type 0, the proto3 default, so it decodes as an empty command.
        const command = await eventually(() =>
          Promise.resolve(agent.received.slice(next - 1).find((m) => m.command !== undefined)),
        );
        expect(command.command).toBeDefined();
        const unknown = await cli.run(['agents', 'restart', '00000000-0000-4000-8000-000000000000'], { env });
        expect(unknown.code).toBe(1);
      },
      CLI_TIMEOUT,
    );

    it(
      '--watch redraws when the live event stream reports a change',
      async () => {
        const watch = cli.spawn(['agents', 'list', '--watch', '-o', 'json'], env);
        try {
          await waitForLine(watch, (line) => line.includes(agentId));
          await request(app.url)
            .put(`/api/v1/agents/${agentId}/labels`)
            .set('Authorization', `Bearer ${admin}`)
            .send({ labels: { ring: 'canary', watched: 'yes' } })
            .expect(200);
          const line = await waitForLine(watch, (l) => l.includes('"watched":"yes"'));
          expect(JSON.parse(line)[0].labels).toEqual({ ring: 'canary', watched: 'yes' });
        } finally {
          watch.kill();
        }
      },
      CLI_TIMEOUT,
    );
  });

  describe('configurations and pushes', () => {
    beforeAll(async () => {
      await request(app.url)
        .post('/api/v1/configurations')
        .set('Authorization', `Bearer ${admin}`)
        .send({ name: 'cli-edge', raw_config: YAML_V1, selector: { env: 'e2e' }, auto_push: false })
        .expect(201);
      await request(app.url)
        .put('/api/v1/configurations/cli-edge')
        .set('Authorization', `Bearer ${admin}`)
        .send({ raw_config: YAML_V2 })
        .expect(200);
    });

    it(
      'lists, gets, shows history and diffs',
      async () => {
        const list = JSON.parse((await cli.run(['configs', 'list', '-o', 'json'], { env })).stdout);
        expect(list).toEqual([expect.objectContaining({ name: 'cli-edge', version: 2, selector: { env: 'e2e' } })]);
        expect((await cli.run(['configs', 'get', 'cli-edge', '--raw'], { env })).stdout).toBe(YAML_V2);
        const table = await cli.run(['configs', 'get', 'cli-edge'], { env });
        expect(table.stdout).toMatch(/version:\s+2/);
        const history = JSON.parse((await cli.run(['configs', 'history', 'cli-edge', '-o', 'json'], { env })).stdout);
        expect(history.map((v: { version: number }) => v.version)).toEqual([2, 1]);
        const diff = await cli.run(['configs', 'diff', 'cli-edge', '1', '2'], { env });
        expect(diff.code).toBe(0);
        expect(diff.stdout).toContain('-  debug: {}');
        expect(diff.stdout).toContain('+    verbosity: detailed');
        const unknown = await cli.run(['configs', 'get', 'no-such-config'], { env });
        expect(unknown.code).toBe(1);
        expect(unknown.stderr).toContain('no-such-config');
      },
      CLI_TIMEOUT,
    );

    it(
      'pushes to the assigned agent and reads the push back',
      async () => {
        const push = await cli.run(['configs', 'push', 'cli-edge', '--agents', agentId, '-o', 'json'], { env });
        expect(push.code).toBe(0);
        const body = JSON.parse(push.stdout);
        expect(body).toEqual(expect.objectContaining({ configuration: 'cli-edge', version: 2, targeted: 1, sent: 1 }));
        const summary = JSON.parse(
          (await cli.run(['pushes', 'get', 'cli-edge', body.push_id, '-o', 'json'], { env })).stdout,
        );
        expect(summary).toEqual(expect.objectContaining({ push_id: body.push_id, version: 2, targeted: 1 }));
        const unknown = await cli.run(['pushes', 'get', 'cli-edge', '00000000-0000-4000-8000-000000000000'], { env });
        expect(unknown.code).toBe(1);
        // --no-wait answers once the push is recorded and says how to follow it.
        const quick = await cli.run(['configs', 'push', 'cli-edge', '--agents', agentId, '--no-wait'], { env });
        expect(quick.code).toBe(0);
        const quickId = /push id: (\S+)/.exec(quick.stdout)?.[1];
        expect(quick.stdout).toContain(`opampctl pushes get cli-edge ${quickId}`);
        const followed = await eventually(async () => {
          const read = await cli.run(['pushes', 'get', 'cli-edge', quickId!, '-o', 'json'], { env });
          const got = JSON.parse(read.stdout);
          return got.targeted === 1 && got.sent !== null ? got : undefined;
        });
        expect(followed).toEqual(expect.objectContaining({ version: 2, targeted: 1, forwarded: 0, error: null }));
      },
      CLI_TIMEOUT,
    );

    it(
      'rolls back to an earlier version and refuses an unknown one',
      async () => {
        const rolled = await cli.run(['configs', 'rollback', 'cli-edge', '1'], { env });
        expect(rolled.code).toBe(0);
        expect(rolled.stdout).toContain('cli-edge is now version 3 (content of version 1)');
        expect((await cli.run(['configs', 'get', 'cli-edge', '--raw'], { env })).stdout).toBe(YAML_V1);
        const unknown = await cli.run(['configs', 'rollback', 'cli-edge', '42'], { env });
        expect(unknown.code).toBe(1);
      },
      CLI_TIMEOUT,
    );
  });

  describe('packages', () => {
    it(
      'uploads a file streamed from disk and lists it; no progress bar when stderr is not a terminal',
      async () => {
        const file = path.join(tmp, 'agent.tar.gz');
        fs.writeFileSync(file, Buffer.alloc(3 * 1024 * 1024 + 17, 7));
        const upload = await cli.run(
          [
            'packages',
            'upload',
            file,
            '--name',
            'cli-agent',
            '--version',
            '1.2.3',
            '--platform',
            'linux',
            '--arch',
            'amd64',
            '-o',
            'json',
          ],
          { env },
        );
        expect(upload.stderr).toBe('');
        expect(upload.code).toBe(0);
        const uploaded = JSON.parse(upload.stdout);
        expect(uploaded).toEqual(
          expect.objectContaining({ name: 'cli-agent', version: '1.2.3', file_size: 3 * 1024 * 1024 + 17 }),
        );
        const list = JSON.parse((await cli.run(['packages', 'list', '-o', 'json'], { env })).stdout);
        expect(list).toEqual([expect.objectContaining({ id: uploaded.id, checksum: uploaded.checksum })]);

        const duplicate = await cli.run(
          [
            'packages',
            'upload',
            file,
            '--name',
            'cli-agent',
            '--version',
            '1.2.3',
            '--platform',
            'linux',
            '--arch',
            'amd64',
          ],
          { env },
        );
        expect(duplicate.code).toBe(1);
        expect(duplicate.stderr).toMatch(/^error: 409/);
        const badArch = await cli.run(
          [
            'packages',
            'upload',
            file,
            '--name',
            'cli-agent',
            '--version',
            '1.2.4',
            '--platform',
            'linux',
            '--arch',
            'z80',
          ],
          { env },
        );
        expect(badArch.code).toBe(1);
        expect(badArch.stderr).toContain('arch');
        const missing = await cli.run(
          [
            'packages',
            'upload',
            path.join(tmp, 'nope'),
            '--name',
            'x',
            '--version',
            '1.0.0',
            '--platform',
            'linux',
            '--arch',
            'amd64',
          ],
          { env },
        );
        expect(missing.code).toBe(1);
        expect(missing.stderr).toContain('ENOENT');
        expect(JSON.parse((await cli.run(['packages', 'list', '-o', 'json'], { env })).stdout)).toHaveLength(1);
      },
      CLI_TIMEOUT,
    );
  });

  describe('packages: streaming', () => {
    it(
      'streams a large upload: the CLI does not hold the file in memory',
      async () => {
        const size = 96 * 1024 * 1024;
        const file = path.join(tmp, 'big.bin');
        fs.closeSync(fs.openSync(file, 'w'));
        fs.truncateSync(file, size);
        const baseline = await cli.run(['--help'], { nodeArgs: [REPORT_MAX_RSS] });
        const upload = await cli.run(
          ['packages', 'upload', file, '--name', 'big', '--version', '1.0.0', '--platform', 'linux', '--arch', 'arm64'],
          { env, nodeArgs: [REPORT_MAX_RSS] },
        );
        expect(upload.code).toBe(0);
        const growth = maxRssMiB(upload.stderr) - maxRssMiB(baseline.stderr);
        // Buffering the file would add at least its 96 MiB.
        expect(growth).toBeLessThan(48);
        const stored = JSON.parse((await cli.run(['packages', 'list', '--name', 'big', '-o', 'json'], { env })).stdout);
        expect(stored[0].file_size).toBe(size);
        fs.rmSync(file);
      },
      CLI_TIMEOUT,
    );
  });

  describe('help and completion', () => {
    it(
      'prints --help with examples for every command',
      async () => {
        const top = await cli.run(['--help']);
        expect(top.stdout).toContain('Examples:');
        const paths = [
          ['login'],
          ['logout'],
          ['whoami'],
          ['context', 'list'],
          ['context', 'use'],
          ['context', 'delete'],
          ['agents', 'list'],
          ['agents', 'get'],
          ['agents', 'label'],
          ['agents', 'restart'],
          ['configs', 'list'],
          ['configs', 'get'],
          ['configs', 'history'],
          ['configs', 'diff'],
          ['configs', 'push'],
          ['configs', 'rollback'],
          ['pushes', 'get'],
          ['packages', 'list'],
          ['packages', 'upload'],
          ['keys', 'create'],
          ['keys', 'list'],
          ['keys', 'revoke'],
          ['plan'],
          ['apply'],
          ['export'],
          ['completion'],
        ];
        for (let i = 0; i < paths.length; i += 4) {
          const results = await Promise.all(paths.slice(i, i + 4).map((p) => cli.run([...p, '--help'])));
          results.forEach((r, j) => {
            expect([paths[i + j].join(' '), r.code, r.stdout.includes('Examples:\n  $ opampctl')]).toEqual([
              paths[i + j].join(' '),
              0,
              true,
            ]);
          });
        }
      },
      CLI_TIMEOUT,
    );

    it(
      'completes commands and options in bash',
      async () => {
        const script = (await cli.run(['completion', 'bash'])).stdout;
        const scriptFile = path.join(tmp, 'completion.bash');
        fs.writeFileSync(scriptFile, script);
        const complete = async (words: string[]): Promise<string> => {
          const line =
            `source ${scriptFile}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); ` +
            `COMP_CWORD=${words.length - 1}; _opampctl; echo "\${COMPREPLY[*]}"`;
          return (await execFileAsync('bash', ['-c', line])).stdout.trim();
        };
        expect(await complete(['opampctl', 'ag'])).toBe('agents');
        expect((await complete(['opampctl', 'agents', ''])).split(' ')).toEqual(
          expect.arrayContaining(['list', 'get', 'label', 'restart']),
        );
        expect(await complete(['opampctl', 'agents', 'list', '--wa'])).toBe('--watch');
        const zsh = await cli.run(['completion', 'zsh']);
        expect(zsh.stdout.startsWith('#compdef opampctl')).toBe(true);
        expect((await cli.run(['completion', 'fish'])).code).toBe(1);
      },
      CLI_TIMEOUT,
    );
  });
});
