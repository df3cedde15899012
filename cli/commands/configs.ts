import type { Command } from 'commander';
import { call, type ApiClient, type Schemas } from '../api.js';
import { out, outputOption, printData, printList, printRecord, type Column, type OutputFormat } from '../output.js';
import { examples, parsePositiveInt, readAll, session } from '../session.js';

type Configuration = Schemas['ConfigurationResponse'];
type Version = Schemas['ConfigurationVersionResponse'];

const COLUMNS: Column<Configuration>[] = [
  { header: 'name', value: (c) => c.name },
  { header: 'version', value: (c) => c.version },
  { header: 'priority', value: (c) => c.priority },
  { header: 'content type', value: (c) => c.content_type },
  { header: 'auto push', value: (c) => c.auto_push },
  { header: 'updated', value: (c) => c.updated_at },
  { header: 'selector', value: (c) => c.selector },
];

const HISTORY_COLUMNS: Column<Version>[] = [
  { header: 'version', value: (v) => v.version },
  { header: 'change', value: (v) => (v.rolled_back_from ? `rollback to ${v.rolled_back_from}` : v.change_kind) },
  { header: 'by', value: (v) => v.created_by },
  { header: 'created', value: (v) => v.created_at },
  { header: 'hash', value: (v) => v.config_hash.slice(0, 12) },
  { header: 'selector', value: (v) => v.selector },
];

export function registerConfigs(program: Command): void {
  const configs = program.command('configs').description('Remote configurations, their versions and pushes');

  examples(
    configs
      .command('list')
      .description('List configurations')
      .option('--name <text>', 'names containing this text')
      .option('-l, --label <k=v,...>', 'configurations whose selector contains these pairs')
      .addOption(outputOption())
      .action(async (options: { name?: string; label?: string; output: OutputFormat }, command: Command) => {
        const { client } = session(command);
        const items = await readAll((page, page_size) =>
          call(
            client.GET('/api/v1/configurations', {
              params: { query: { page, page_size, name: options.name, label: options.label } },
            }),
          ),
        );
        printList(items, COLUMNS, options.output);
      }),
    ['opampctl configs list', 'opampctl configs list -l env=prod -o json'],
  );

  examples(
    configs
      .command('get <name>')
      .description('Show a configuration; --raw prints only its content (to redirect into a file)')
      .option('--raw', 'print raw_config only')
      .addOption(outputOption())
      .action(async (name: string, options: { raw?: boolean; output: OutputFormat }, command: Command) => {
        const { client } = session(command);
        const c = await getConfiguration(client, name);
        if (options.raw) {
          process.stdout.write(c.raw_config);
        } else if (options.output !== 'table') {
          printData(c, options.output);
        } else {
          printRecord([
            ['name', c.name],
            ['description', c.description],
            ['version', c.version],
            ['priority', c.priority],
            ['content_type', c.content_type],
            ['file_name', c.file_name],
            ['auto_push', c.auto_push],
            ['selector', c.selector],
            ['config_hash', c.config_hash],
            ['updated', `${c.updated_at} by ${c.updated_by ?? '-'}`],
          ]);
          out(`---\n${c.raw_config}`);
        }
      }),
    ['opampctl configs get prod-collectors', 'opampctl configs get prod-collectors --raw > prod.yaml'],
  );

  examples(
    configs
      .command('history <name>')
      .description('Versions of a configuration, newest first')
      .addOption(outputOption())
      .action(async (name: string, options: { output: OutputFormat }, command: Command) => {
        const { client } = session(command);
        const versions = await readAll((page, page_size) =>
          call(
            client.GET('/api/v1/configurations/{name}/history', {
              params: { path: { name }, query: { page, page_size } },
            }),
            `configuration ${name}`,
          ),
        );
        printList(versions, HISTORY_COLUMNS, options.output);
      }),
    ['opampctl configs history prod-collectors'],
  );

  examples(
    configs
      .command('diff <name> [from] [to]')
      .description('Unified diff between two versions (default: the current one and the one before)')
      .addOption(outputOption())
      .action(async (name: string, from: string | undefined, to: string | undefined, options, command: Command) => {
        const { client } = session(command);
        const query = {
          from: from === undefined ? undefined : parsePositiveInt(from, 'from'),
          to: to === undefined ? undefined : parsePositiveInt(to, 'to'),
        };
        const diff = await call(
          client.GET('/api/v1/configurations/{name}/diff', { params: { path: { name }, query } }),
          `configuration ${name}`,
        );
        if ((options as { output: OutputFormat }).output !== 'table') {
          printData(diff, (options as { output: OutputFormat }).output);
          return;
        }
        out(renderDiff(diff));
      }),
    ['opampctl configs diff prod-collectors', 'opampctl configs diff prod-collectors 3 5'],
  );

  examples(
    configs
      .command('push <name>')
      .description('Send the current version to the assigned agents (all, or those given)')
      .option('--agents <ids>', 'comma-separated instance uids', (v) => v.split(',').filter(Boolean))
      .option('--force', 're-offer to agents that already applied or failed this version', false)
      .option('--no-wait', 'answer once the push is recorded; follow it with `pushes get NAME PUSH_ID`')
      .addOption(outputOption())
      .action(
        async (
          name: string,
          options: { agents?: string[]; force: boolean; wait: boolean; output: OutputFormat },
          command: Command,
        ) => {
          const { client } = session(command);
          const push = await call(
            client.POST('/api/v1/configurations/{name}/push', {
              params: { path: { name } },
              body: { agent_ids: options.agents, force: options.force, wait: options.wait },
            }),
            `configuration ${name}`,
          );
          if (options.output !== 'table') {
            printData(push, options.output);
            return;
          }
          if (push.targeted === null) {
            // Answered at once: the push is recorded and being carried out.
            out(
              `Pushing ${push.configuration} v${push.version}\npush id: ${push.push_id}\n` +
                `follow it with: opampctl pushes get ${push.configuration} ${push.push_id}`,
            );
            return;
          }
          out(
            `Pushed ${push.configuration} v${push.version}: targeted ${push.targeted}, sent ${push.sent}, ` +
              `forwarded ${push.forwarded}, skipped ${push.skipped.length}\npush id: ${push.push_id}`,
          );
          for (const skip of push.skipped) {
            out(`  skipped ${skip.agent_id}: ${skip.reason}`);
          }
        },
      ),
    ['opampctl configs push prod-collectors', 'opampctl configs push prod-collectors --agents ID1,ID2'],
  );

  examples(
    configs
      .command('rollback <name> <version>')
      .description("Make a new version with an earlier version's content")
      .addOption(outputOption())
      .action(async (name: string, version: string, options: { output: OutputFormat }, command: Command) => {
        const { client } = session(command);
        const target = parsePositiveInt(version, 'version');
        const c = await call(
          client.POST('/api/v1/configurations/{name}/rollback/{version}', {
            params: { path: { name, version: target } },
          }),
          `configuration ${name} version ${target}`,
        );
        if (options.output === 'table') {
          out(`${c.name} is now version ${c.version} (content of version ${target})`);
        } else {
          printData(c, options.output);
        }
      }),
    ['opampctl configs rollback prod-collectors 3'],
  );

  const pushes = program.command('pushes').description('What became of a push');
  examples(
    pushes
      .command('get <name> <push-id>')
      .description('Agents per apply state for one push of a configuration')
      .addOption(outputOption())
      .action(async (name: string, pushId: string, options: { output: OutputFormat }, command: Command) => {
        const { client } = session(command);
        const summary = await call(
          client.GET('/api/v1/configurations/{name}/push/{pushId}', { params: { path: { name, pushId } } }),
          `push ${pushId} of configuration ${name}`,
        );
        if (options.output !== 'table') {
          printData(summary, options.output);
          return;
        }
        printRecord([
          ['push_id', summary.push_id],
          ['version', summary.version],
          ['targeted', summary.targeted],
          ['sent', summary.sent],
          ['forwarded', summary.forwarded],
          ['skipped', summary.skipped],
          ...(summary.error ? [['error', summary.error] as [string, string]] : []),
          ['total', summary.total],
          ...Object.entries(summary.counts).map(([k, v]): [string, number] => [k, v]),
        ]);
      }),
    ['opampctl pushes get prod-collectors 6f1c0f3e-...'],
  );
}

export function getConfiguration(client: ApiClient, name: string): Promise<Configuration> {
  return call(client.GET('/api/v1/configurations/{name}', { params: { path: { name } } }), `configuration ${name}`);
}

function renderDiff(diff: Schemas['DiffResponse']): string {
  const lines = [`${diff.name}: version ${diff.from} -> ${diff.to}`];
  const sel = diff.selector;
  for (const [k, v] of Object.entries(sel.added)) {
    lines.push(`selector + ${k}=${v}`);
  }
  for (const [k, v] of Object.entries(sel.removed)) {
    lines.push(`selector - ${k}=${v}`);
  }
  for (const [k, v] of Object.entries(sel.changed)) {
    lines.push(`selector ~ ${k}: ${v.from} -> ${v.to}`);
  }
  const ct = diff.content_type;
  if (ct) {
    lines.push(`content_type: ${ct.from} -> ${ct.to}`);
  }
  const fn = diff.file_name;
  if (fn) {
    lines.push(`file_name: ${fn.from} -> ${fn.to}`);
  }
  lines.push(diff.raw_config_diff || '(raw_config unchanged)');
  return lines.join('\n');
}
