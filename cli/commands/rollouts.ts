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
  renderTable,
  terminalWidth,
  type Column,
  type OutputFormat,
} from '../output.js';
import { examples, session, type Session } from '../session.js';

type Rollout = Schemas['RolloutResponse'];
type RolloutDetail = Schemas['RolloutDetailResponse'];
type Stage = Schemas['StageResponse'];
type Action = 'pause' | 'resume' | 'cancel' | 'rollback';

const STATUSES = ['running', 'paused', 'completed', 'cancelled', 'rolled_back'] as const;
type Status = (typeof STATUSES)[number];

const LIST_COLUMNS: Column<Rollout>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'subject', value: (r) => subject(r) },
  {
    header: 'versions',
    value: (r) => (r.package ? `-> ${r.package.version}` : `${r.from_version} -> ${r.to_version}`),
  },
  { header: 'status', value: (r) => r.status },
  { header: 'stage', value: (r) => `${r.current_stage}/${r.stage_count}` },
  { header: 'phase', value: (r) => r.phase },
  { header: 'started', value: (r) => age(r.created_at) },
];

const STAGE_COLUMNS: Column<Stage>[] = [
  { header: 'stage', value: (s) => s.stage },
  { header: 'targeted', value: (s) => s.targeted },
  { header: 'waiting', value: (s) => s.waiting },
  { header: 'offered', value: (s) => s.offered },
  { header: 'applied', value: (s) => s.applied },
  { header: 'failed', value: (s) => s.failed },
  { header: 'timeout', value: (s) => s.timeout },
  { header: 'unhealthy', value: (s) => s.unhealthy },
  { header: 'disconnected', value: (s) => s.disconnected },
  { header: 'rolled back', value: (s) => s.rolled_back },
  {
    header: 'gates',
    value: (s) => s.gates?.map((g) => `${g.gate} ${g.value}/${g.threshold} ${g.passed ? 'ok' : 'TRIPPED'}`).join(', '),
  },
];

/** Exit code of `status --watch` when the rollout stopped without completing (paused, cancelled, rolled back). */
export const EXIT_NOT_COMPLETED = 3;

export function registerRollouts(program: Command): void {
  const rollouts = program
    .command('rollouts')
    .description('Staged, health-gated deliveries of a configuration version or a package version');

  examples(
    rollouts
      .command('list')
      .description('Rollouts, newest first')
      .option('-c, --configuration <name>', 'only rollouts of this configuration')
      .option('-p, --package-assignment <id>', 'only rollouts of this package assignment', parseAssignment)
      .option('--status <status>', STATUSES.join(', '))
      .addOption(outputOption())
      .action(async (options: ListOptions, command: Command) => {
        const status = options.status === undefined ? undefined : parseStatus(options.status);
        const { client } = session(command);
        const query = {
          configuration: options.configuration,
          package_assignment: options.packageAssignment,
          status,
          page_size: 1000,
        };
        const items = await call(client.GET('/api/v1/rollouts', { params: { query } }), 'rollouts');
        printList(items, LIST_COLUMNS, options.output);
      }),
    [
      'opampctl rollouts list',
      'opampctl rollouts list -c prod-collectors --status running -o json',
      'opampctl rollouts list --package-assignment 4',
    ],
  );

  examples(
    rollouts
      .command('status <id>')
      .description(
        'One rollout: per stage, its agents by state and the gates; --watch follows it until it stops moving ' +
          `(exit 0 when it completed, ${EXIT_NOT_COMPLETED} when it paused, was cancelled or rolled back)`,
      )
      .option(
        '-w, --watch',
        'keep running and redraw on live events until the rollout is no longer running (JSON: one line per change)',
      )
      .addOption(outputOption())
      .action(async (id: string, options: { watch?: boolean; output: OutputFormat }, command: Command) => {
        const s = session(command);
        if (!options.watch) {
          print(await getRollout(s.client, id), options.output);
          return;
        }
        const final = await watch(s, id, options.output);
        if (final.status !== 'completed') {
          err(`rollout ${final.status}${final.reason ? `: ${final.reason}` : ''}`);
          process.exitCode = EXIT_NOT_COMPLETED;
        }
      }),
    ['opampctl rollouts status 6f1c0f3e-...', 'opampctl rollouts status 6f1c0f3e-... --watch'],
  );

  for (const [action, text] of [
    ['pause', 'Stop before the next stage (agents already updated keep the version)'],
    ['resume', 'Go on from where it paused (after a tripped gate: accept it and start the next stage)'],
    ['cancel', 'Stop for good; agents already updated keep the version'],
    ['rollback', 'Offer the updated agents their previous version again'],
  ] as const) {
    examples(
      rollouts
        .command(`${action} <id>`)
        .description(text)
        .addOption(outputOption())
        .action(async (id: string, options: { output: OutputFormat }, command: Command) => {
          const { client } = session(command);
          print(await act(client, id, action), options.output);
        }),
      [`opampctl rollouts ${action} 6f1c0f3e-...`],
    );
  }
}

interface ListOptions {
  configuration?: string;
  packageAssignment?: number;
  status?: string;
  output: OutputFormat;
}

function parseAssignment(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) {
    throw new CliError(`--package-assignment must be a package assignment id, got "${value}"`);
  }
  return Number(value);
}

/** A configuration's name, or `package name@version`. */
function subject(r: Rollout): string {
  return r.package ? `package ${r.package.name}@${r.package.version}` : (r.configuration ?? '');
}

function parseStatus(value: string): Status {
  if (!(STATUSES as readonly string[]).includes(value)) {
    throw new CliError(`--status must be one of ${STATUSES.join(', ')}, got "${value}"`);
  }
  return value as Status;
}

function getRollout(client: ApiClient, id: string): Promise<RolloutDetail> {
  return call(client.GET('/api/v1/rollouts/{id}', { params: { path: { id } } }), `rollout ${id}`);
}

function act(client: ApiClient, id: string, action: Action): Promise<Rollout> {
  const path = `/api/v1/rollouts/{id}/${action}` as const;
  return call(client.POST(path, { params: { path: { id } } }), `rollout ${id}`);
}

function render(rollout: RolloutDetail): string {
  const lines = [
    rollout.package
      ? `rollout ${rollout.id}: ${subject(rollout)} (assignment ${rollout.package.assignment_id ?? 'deleted'})`
      : `rollout ${rollout.id}: ${rollout.configuration} version ${rollout.from_version} -> ${rollout.to_version}`,
    `status ${rollout.status}, stage ${rollout.current_stage}/${rollout.stage_count} ` +
      `(${rollout.phase}), auto rollback ${rollout.auto_rollback ? 'on' : 'off'}`,
  ];
  if (rollout.tripped_gate) {
    lines.push(`gate tripped: ${rollout.tripped_gate}; agents: ${(rollout.tripped_agents ?? []).join(', ')}`);
  }
  if (rollout.reason) {
    lines.push(`reason: ${rollout.reason}`);
  }
  lines.push('', renderTable(rollout.stages, STAGE_COLUMNS, terminalWidth()));
  return lines.join('\n');
}

function print(rollout: RolloutDetail | Rollout, format: OutputFormat): void {
  if (format !== 'table') {
    printData(rollout, format);
  } else if ('stages' in rollout) {
    out(render(rollout));
  } else {
    out(`rollout ${rollout.id}: ${rollout.status}`);
  }
}

/**
 * Redraws on rollout and apply events until the rollout is no longer running; a dropped event
 * stream is reopened (and the rollout read again), so a long rollout survives a server restart.
 */
async function watch(s: Session, id: string, format: OutputFormat): Promise<RolloutDetail> {
  let last = '';
  const show = (rollout: RolloutDetail): void => {
    const text = format === 'table' ? render(rollout) : JSON.stringify(rollout);
    if (text === last) {
      return;
    }
    last = text;
    if (format === 'table') {
      out(`${process.stdout.isTTY ? '\x1b[2J\x1b[H' : '\n'}${text}\n(${new Date().toISOString()}; Ctrl-C to stop)`);
    } else if (format === 'json') {
      // One document per line, so a script can read the stream line by line.
      out(text);
    } else {
      printData(rollout, 'yaml');
      out('---');
    }
  };
  for (;;) {
    const stop = new AbortController();
    let current = await getRollout(s.client, id);
    show(current);
    if (current.status !== 'running') {
      return current;
    }
    let timer: NodeJS.Timeout | undefined;
    const refresh = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        getRollout(s.client, id).then(
          (rollout) => {
            current = rollout;
            show(rollout);
            if (rollout.status !== 'running') {
              stop.abort();
            }
          },
          (error: unknown) => err(`refresh failed: ${(error as Error).message}`),
        );
      }, 200);
    };
    // The stream carries hints only; a slow poll also catches what a missed event would have said.
    const poll = setInterval(refresh, 5000);
    try {
      await readEvents(
        s.connection,
        (event) => {
          if (event.event === 'rollout' || event.event === 'apply') {
            refresh();
          }
        },
        stop.signal,
      );
    } catch (error) {
      if (!stop.signal.aborted) {
        if ((error as Error).message.startsWith('not authenticated')) {
          throw error;
        }
        err(`event stream: ${(error as Error).message}; reconnecting`);
      }
    } finally {
      clearInterval(poll);
      clearTimeout(timer);
    }
    if (current.status !== 'running') {
      return current;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
