import type { Command } from 'commander';
import { call, type Schemas } from '../api.js';
import { err, out, outputOption, printData, printList, type Column, type OutputFormat } from '../output.js';
import { examples, readAll, session } from '../session.js';

const COLUMNS: Column<Schemas['AgentKeyResponse']>[] = [
  { header: 'id', value: (k) => k.id },
  { header: 'name', value: (k) => k.name },
  { header: 'prefix', value: (k) => k.prefix },
  { header: 'created', value: (k) => k.created_at },
  { header: 'last used', value: (k) => k.last_used_at },
  { header: 'revoked', value: (k) => k.revoked_at },
];

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('Agent enrollment keys (admin)');

  examples(
    keys
      .command('create <name>')
      .description('Create an enrollment key; the key is printed once and cannot be read again')
      .addOption(outputOption())
      .action(async (name: string, options: { output: OutputFormat }, command: Command) => {
        const { client } = session(command);
        const created = await call(client.POST('/api/v1/agent-keys', { body: { name } }));
        if (options.output === 'table') {
          out(created.key);
          err(`Created key ${created.id} (${created.name}); store it now, it is not shown again.`);
        } else {
          printData(created, options.output);
        }
      }),
    ['opampctl keys create "prod collectors"', 'KEY=$(opampctl keys create ci-smoke 2>/dev/null)'],
  );

  examples(
    keys
      .command('list')
      .description('List enrollment keys (never the keys themselves)')
      .addOption(outputOption())
      .action(async (options: { output: OutputFormat }, command: Command) => {
        const { client } = session(command);
        const items = await readAll((page, page_size) =>
          call(client.GET('/api/v1/agent-keys', { params: { query: { page, page_size } } })),
        );
        printList(items, COLUMNS, options.output);
      }),
    ['opampctl keys list'],
  );

  examples(
    keys
      .command('revoke <id>')
      .description('Revoke a key: agents using it are refused from now on')
      .action(async (id: string, _options: unknown, command: Command) => {
        const { client } = session(command);
        await call(client.DELETE('/api/v1/agent-keys/{id}', { params: { path: { id } } }), `key ${id}`);
        out(`Revoked key ${id}`);
      }),
    ['opampctl keys revoke 7d0c4a52-...'],
  );
}
