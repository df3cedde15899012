import { Command, Option } from 'commander';
import { registerAgents } from './commands/agents.js';
import { registerAuth } from './commands/auth.js';
import { registerCompletion } from './commands/completion.js';
import { registerConfigs } from './commands/configs.js';
import { registerDeclarative } from './commands/declarative.js';
import { registerKeys } from './commands/keys.js';
import { registerPackages } from './commands/packages.js';
import { registerRollouts } from './commands/rollouts.js';
import { examples } from './session.js';

export function buildProgram(version: string): Command {
  const program = new Command('opampctl')
    .description('Manage an OpAMP Platform fleet from a terminal or from CI')
    .version(version)
    .option('--context <name>', 'use this stored context instead of the current one (or OPAMP_SERVER)')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Authentication: \`opampctl login\` stores a token per context in $XDG_CONFIG_HOME/opampctl/config.json
(default ~/.config/opampctl/config.json, mode 0600). In CI set OPAMP_SERVER and OPAMP_TOKEN instead.`,
    );
  registerAuth(program);
  registerAgents(program);
  registerConfigs(program);
  registerPackages(program);
  registerRollouts(program);
  registerKeys(program);
  registerDeclarative(program);
  registerCompletion(program);
  examples(program, [
    'opampctl login --server http://localhost:8080 --username admin',
    'opampctl agents list --status online',
    'opampctl plan -f ./fleet && opampctl apply -f ./fleet',
  ]);
  // Every command shows its help with examples; commands with subcommands show it when called bare.
  for (const command of program.commands) {
    if (command.commands.length > 0) {
      command.action(() => command.help());
    }
  }
  // Program options are read only before the command, so `packages upload --version 1.0.0` is the
  // package's version, not the CLI's; --context is accepted after the command as well.
  program.enablePositionalOptions();
  for (const leaf of leaves(program)) {
    leaf.addOption(new Option('--context <name>', 'use this stored context').hideHelp());
  }
  return program;
}

function leaves(command: Command): Command[] {
  return command.commands.flatMap((c) => (c.commands.length > 0 ? leaves(c) : [c]));
}
