import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { out } from '../output.js';
import { examples } from '../session.js';

export function registerCompletion(program: Command): void {
  examples(
    program
      .command('completion <shell>')
      .description('Print a completion script for bash or zsh')
      .action((shell: string) => {
        if (shell !== 'bash' && shell !== 'zsh') {
          throw new CliError('shell must be bash or zsh');
        }
        const script = bashScript(program);
        // zsh runs the bash function through its bashcompinit emulation.
        out(shell === 'bash' ? script : `#compdef opampctl\nautoload -U +X bashcompinit && bashcompinit\n${script}`);
      }),
    [
      'opampctl completion bash > /etc/bash_completion.d/opampctl',
      'opampctl completion zsh > "${fpath[1]}/_opampctl"',
      'source <(opampctl completion bash)',
    ],
  );
}

/** Words that may follow each command path: its subcommands and its options. */
function table(command: Command, prefix: string, rows: Array<[string, string[]]>): void {
  const words = [
    ...command.commands.map((c) => c.name()),
    ...command.options.flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f))),
    '--help',
  ];
  rows.push([prefix, words]);
  for (const sub of command.commands) {
    table(sub, prefix ? `${prefix} ${sub.name()}` : sub.name(), rows);
  }
}

function bashScript(program: Command): string {
  const rows: Array<[string, string[]]> = [];
  table(program, '', rows);
  const cases = rows.map(([key, words]) => `    "${key}") echo "${words.join(' ')}" ;;`).join('\n');
  return `_opampctl_words() {
  case "$1" in
${cases}
  esac
}
_opampctl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" key="" w i
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    case " $(_opampctl_words "$key") " in
      *" $w "*) key="\${key:+$key }$w" ;;
    esac
  done
  COMPREPLY=($(compgen -W "$(_opampctl_words "$key")" -- "$cur"))
}
complete -F _opampctl opampctl`;
}
