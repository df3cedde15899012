import type { Command } from 'commander';
import { call, type ApiClient, type Schemas } from '../api.js';
import { CliError } from '../errors.js';
import { readEvents } from '../event-stream.js';
import {
  age,
  err,
  out,
  outputOption,
  printData,
  printList,
  printRecord,
  renderTable,
  terminalWidth,
  type Column,
  type OutputFormat,
} from '../output.js';
import { examples, parsePositiveInt, session, type Session } from '../session.js';

type Agent = Schemas['AgentSummary'];

interface ListOptions {
  status?: 'online' | 'offline';
  selector?: string;
  text?: string;
  limit: number;
  watch?: boolean;
  output: OutputFormat;
}

const COLUMNS: Column<Agent>[] = [
  { header: 'instance uid', value: (a) => a.instance_uid },
  { header: 'name', value: (a) => a.name },
  { header: 'status', value: (a) => a.status },
  { header: 'healthy', value: (a) => (a.healthy === null ? '-' : a.healthy ? 'yes' : 'no') },
  { header: 'version', value: (a) => a.agent_version },
  { header: 'config', value: (a) => a.remote_config_status?.status ?? null },
  { header: 'last seen', value: (a) => age(a.last_seen_at) },
  { header: 'labels', value: (a) => a.labels },
];

export function registerAgents(program: Command): void {
  const agents = program.command('agents').description('The agent inventory');

  examples(
    agents
      .command('list')
      .description('List agents (newest seen first); --watch redraws on every change the server streams')
      .option('--status <status>', 'online or offline')
      .option('-l, --selector <k=v,...>', 'label selector, matched against labels and attributes')
      .option('-q, --text <text>', 'substring of name, host, version or instance uid')
      .option(
        '--limit <n>',
        'at most this many agents (the API pages by 1000)',
        (v) => parsePositiveInt(v, '--limit'),
        100,
      )
      .option('-w, --watch', 'keep running and refresh on live events (JSON/YAML: one document per refresh)')
      .addOption(outputOption())
      .action(async (options: ListOptions, command: Command) => {
        if (options.status && options.status !== 'online' && options.status !== 'offline') {
          throw new CliError('--status must be online or offline');
        }
        const s = session(command);
        if (options.watch) {
          await watch(s, options);
        } else {
          const { items, total } = await listAgents(s.client, options);
          printList(items, COLUMNS, options.output);
          if (options.output === 'table' && total > items.length) {
            err(`(${items.length} of ${total} agents; raise --limit or narrow the filter)`);
          }
        }
      }),
    [
      'opampctl agents list',
      'opampctl agents list --status online -l env=prod,region=eu',
      'opampctl agents list -q collector-7 -o json | jq -r ".[].instance_uid"',
      'opampctl agents list -l env=prod --watch',
    ],
  );

  examples(
    agents
      .command('get <id>')
      .description('Everything known about one agent')
      .addOption(outputOption())
      .action(async (id: string, options: { output: OutputFormat }, command: Command) => {
        const { client } = session(command);
        const agent = await getAgent(client, id);
        if (options.output !== 'table') {
          printData(agent, options.output);
          return;
        }
        printRecord([
          ['instance_uid', agent.instance_uid],
          ['name', agent.name],
          ['status', agent.status],
          ['healthy', agent.healthy],
          ['agent_version', agent.agent_version],
          ['host_name', agent.host_name],
          ['transport', agent.transport],
          ['labels', agent.labels],
          ['configuration', (agent.configuration as { name?: string } | null)?.name ?? null],
          ['remote_config', agent.remote_config_status?.status ?? null],
          ['config_error', agent.remote_config_status?.error_message ?? null],
          ['last_seen_at', agent.last_seen_at],
          ['connected_at', agent.connected_at],
        ]);
      }),
    ['opampctl agents get 0192f1c4-7d1e-7000-8000-0123456789ab', 'opampctl agents get ID -o yaml'],
  );

  examples(
    agents
      .command('label <id> <changes...>')
      .description('Set (key=value) or remove (key-) server-side labels; other labels stay')
      .addOption(outputOption())
      .action(async (id: string, changes: string[], options: { output: OutputFormat }, command: Command) => {
        const { client } = session(command);
        const labels = applyLabelChanges((await getAgent(client, id)).labels, changes);
        const updated = await call(
          client.PUT('/api/v1/agents/{id}/labels', { params: { path: { id } }, body: { labels } }),
          `agent ${id}`,
        );
        if (options.output === 'table') {
          out(`${updated.instance_uid} labels: ${formatLabels(updated.labels)}`);
        } else {
          printData(updated, options.output);
        }
      }),
    ['opampctl agents label ID env=prod ring=canary', 'opampctl agents label ID ring-'],
  );

  examples(
    agents
      .command('restart <id>')
      .description('Send the agent a Restart command (it must be online and accept restarts)')
      .action(async (id: string, _options: unknown, command: Command) => {
        const { client } = session(command);
        await call(client.POST('/api/v1/agents/{id}/restart', { params: { path: { id } } }), `agent ${id}`);
        out(`Restart sent to ${id}`);
      }),
    ['opampctl agents restart ID'],
  );
}

async function getAgent(client: ApiClient, id: string): Promise<Schemas['AgentDetail']> {
  return call(client.GET('/api/v1/agents/{id}', { params: { path: { id } } }), `agent ${id}`);
}

async function listAgents(client: ApiClient, options: ListOptions): Promise<{ items: Agent[]; total: number }> {
  const items: Agent[] = [];
  let total = 0;
  for (let page = 1; items.length < options.limit; page += 1) {
    const pageSize = Math.min(1000, options.limit);
    const request = client.GET('/api/v1/agents', {
      params: {
        query: { page, page_size: pageSize, status: options.status, selector: options.selector, q: options.text },
      },
    });
    const batch = await call(request);
    total = Number((await request).response.headers.get('x-total-count') ?? batch.length);
    items.push(...batch.slice(0, options.limit - items.length));
    if (batch.length < pageSize) {
      break;
    }
  }
  return { items, total };
}

/** Redraws on each burst of agent events; a dropped stream is reopened (and the list reloaded). */
async function watch(s: Session, options: ListOptions): Promise<never> {
  let last = '';
  let timer: NodeJS.Timeout | undefined;
  const refresh = async (): Promise<void> => {
    const { items } = await listAgents(s.client, options);
    const text = options.output === 'table' ? renderTable(items, COLUMNS, terminalWidth()) : JSON.stringify(items);
    if (text === last) {
      return;
    }
    last = text;
    if (options.output === 'table') {
      const clear = process.stdout.isTTY ? '\x1b[2J\x1b[H' : '\n';
      out(`${clear}${text}\n(${new Date().toISOString()}; ${items.length} agents; Ctrl-C to stop)`);
    } else if (options.output === 'json') {
      out(text);
    } else {
      printData(items, 'yaml');
      out('---');
    }
  };
  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => void refresh().catch(report), 200);
  };
  for (;;) {
    await refresh();
    try {
      await readEvents(s.connection, (event) => {
        if (event.event === 'agent') {
          schedule();
        }
      });
      err('event stream ended; reconnecting');
    } catch (error) {
      if ((error as Error).message.startsWith('not authenticated')) {
        throw error;
      }
      report(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

function report(error: unknown): void {
  err(`watch: ${(error as Error).message}`);
}

/** `k=v` sets, `k-` removes; anything else is refused before a request is made. */
export function applyLabelChanges(current: Record<string, string>, changes: string[]): Record<string, string> {
  const labels = { ...current };
  for (const change of changes) {
    const eq = change.indexOf('=');
    if (eq > 0) {
      labels[change.slice(0, eq)] = change.slice(eq + 1);
    } else if (change.endsWith('-') && change.length > 1 && !change.includes('=')) {
      const key = change.slice(0, -1);
      if (!(key in labels)) {
        throw new CliError(`label "${key}" is not set`);
      }
      delete labels[key];
    } else {
      throw new CliError(`"${change}" is neither key=value nor key-`);
    }
  }
  return labels;
}

function formatLabels(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return pairs.length ? pairs.join(',') : '(none)';
}
