import type { Command } from 'commander';
import { call, apiClient, normalizeServer } from '../api.js';
import { configPath, DEFAULT_CONTEXT, readConfig, writeConfig } from '../context-store.js';
import { CliError } from '../errors.js';
import { out, outputOption, printData, printList, type OutputFormat } from '../output.js';
import { ask, readStdin } from '../prompt.js';
import { examples, session } from '../session.js';

interface LoginOptions {
  server?: string;
  username?: string;
  passwordStdin?: boolean;
}

export function registerAuth(program: Command): void {
  examples(
    program
      .command('login')
      .description('Log in and store the token in a context (~/.config/opampctl/config.json, mode 0600)')
      .option('--server <url>', 'API base URL, e.g. https://opamp.example.com (default: the context’s server)')
      .option('-u, --username <name>', 'user name (asked when omitted on a terminal)')
      .option('--password-stdin', 'read the password from stdin instead of asking')
      .action(async (options: LoginOptions, command: Command) => login(options, command)),
    [
      'opampctl login --server http://localhost:8080 --username admin',
      'opampctl --context prod login --server https://opamp.example.com -u alice',
      'printf %s "$OPAMP_PASSWORD" | opampctl login --server "$URL" -u ci-bot --password-stdin',
    ],
  );

  examples(
    program
      .command('logout')
      .description('Forget the stored token of the context (the server stays)')
      .action((_options: unknown, command: Command) => {
        const { context } = command.optsWithGlobals<{ context?: string }>();
        const config = readConfig();
        const name = context ?? config.current_context ?? DEFAULT_CONTEXT;
        const stored = config.contexts[name];
        if (!stored) {
          throw new CliError(`no context "${name}"`);
        }
        delete stored.token;
        delete stored.expires_at;
        writeConfig(config);
        out(`Logged out of ${stored.server} (context ${name})`);
      }),
    ['opampctl logout', 'opampctl --context prod logout'],
  );

  examples(
    program
      .command('whoami')
      .description('Show the user behind the token in use')
      .addOption(outputOption())
      .action(async (options: { output: OutputFormat }, command: Command) => {
        const { client, connection } = session(command);
        const me = await call(client.GET('/api/v1/auth/me'));
        if (options.output === 'table') {
          out(`${me.username} (${me.role}) on ${connection.server}`);
        } else {
          printData(me, options.output);
        }
      }),
    ['opampctl whoami', 'OPAMP_SERVER=http://localhost:8080 OPAMP_TOKEN=... opampctl whoami -o json'],
  );

  const contexts = program.command('context').description('Named servers and their tokens');
  examples(
    contexts
      .command('list')
      .description('List contexts (tokens are never printed)')
      .addOption(outputOption())
      .action((options: { output: OutputFormat }) => {
        const config = readConfig();
        const rows = Object.entries(config.contexts).map(([name, c]) => ({
          name,
          current: name === (config.current_context ?? DEFAULT_CONTEXT),
          server: c.server,
          username: c.username ?? null,
          logged_in: Boolean(c.token),
          expires_at: c.expires_at ?? null,
        }));
        printList(
          rows,
          [
            { header: 'current', value: (r) => (r.current ? '*' : '') },
            { header: 'name', value: (r) => r.name },
            { header: 'server', value: (r) => r.server },
            { header: 'user', value: (r) => r.username },
            { header: 'expires', value: (r) => (r.logged_in ? r.expires_at : 'logged out') },
          ],
          options.output,
        );
      }),
    ['opampctl context list'],
  );
  examples(
    contexts
      .command('use <name>')
      .description('Make a context the current one')
      .action((name: string) => {
        const config = readConfig();
        if (!config.contexts[name]) {
          throw new CliError(`no context "${name}"; known: ${Object.keys(config.contexts).join(', ') || 'none'}`);
        }
        config.current_context = name;
        writeConfig(config);
        out(`Switched to context ${name} (${config.contexts[name].server})`);
      }),
    ['opampctl context use prod'],
  );
  examples(
    contexts
      .command('delete <name>')
      .description('Remove a context and its token')
      .action((name: string) => {
        const config = readConfig();
        if (!config.contexts[name]) {
          throw new CliError(`no context "${name}"`);
        }
        delete config.contexts[name];
        if (config.current_context === name) {
          delete config.current_context;
        }
        writeConfig(config);
        out(`Deleted context ${name}`);
      }),
    ['opampctl context delete staging'],
  );
}

async function login(options: LoginOptions, command: Command): Promise<void> {
  const { context } = command.optsWithGlobals<{ context?: string }>();
  const config = readConfig();
  const name = context ?? config.current_context ?? DEFAULT_CONTEXT;
  const existing = config.contexts[name];
  const serverText = options.server ?? existing?.server;
  if (!serverText) {
    throw new CliError('--server is required for a new context');
  }
  const server = normalizeServer(serverText);
  const username = options.username ?? (await ask('Username: '));
  const password = options.passwordStdin ? await readStdin() : await ask('Password: ', true);
  if (!username || !password) {
    throw new CliError('username and password must not be empty');
  }
  const client = apiClient({ server, source: name });
  const result = await call(client.POST('/api/v1/auth/login', { body: { username, password } })).catch(
    (error: unknown) => {
      if ((error as { status?: number }).status === 401) {
        throw new CliError(`login refused by ${server}: wrong username or password`);
      }
      throw error;
    },
  );
  config.contexts[name] = { server, username, token: result.token, expires_at: result.expires_at };
  config.current_context = name;
  writeConfig(config);
  out(`Logged in to ${server} as ${result.user.username} (${result.user.role}); context "${name}" in ${configPath()}`);
}
