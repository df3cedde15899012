import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { configFileName, loadManifests, manifestFor } from '../manifests.js';
import { out } from '../output.js';
import {
  applyPlan,
  computePlan,
  isChange,
  readServerConfigurations,
  renderPlan,
  toDesired,
  type PlanAction,
  type SavedPlan,
} from '../plan.js';
import { examples, session, type Session } from '../session.js';

/** `plan` exits with 2 when it found changes, so CI can tell "in sync" from "needs apply". */
export const EXIT_CHANGES = 2;

const MANIFEST_HELP = `
Manifests: every *.yaml / *.yml file directly in DIR (documents separated by ---):
  apiVersion: opamp-platform/v1
  kind: Configuration
  metadata:
    name: prod-collectors
  spec:
    selector: { env: prod }          # labels an agent must all carry
    priority: 10                     # default 0
    contentType: text/yaml           # text/yaml (default), application/json, text/plain
    configFile: ./otel/prod.yaml     # relative to the manifest; or inline: config: |
    # optional: fileName, description, autoPush (default true)
Exit codes: 0 nothing to do (apply: done), ${EXIT_CHANGES} changes planned (plan only), 1 error.`;

async function plan(s: Session, dir: string, prune: boolean): Promise<PlanAction[]> {
  const manifests = loadManifests(dir);
  const server = await readServerConfigurations(s.client);
  return computePlan(
    manifests.map((m) => m.configuration),
    server,
    prune,
  );
}

export function registerDeclarative(program: Command): void {
  examples(
    program
      .command('plan')
      .description('Show what apply would change: create, update (with a unified diff), unchanged, delete')
      .requiredOption('-f, --filename <dir>', 'directory of manifests')
      .option('--prune', 'delete configurations that are in no manifest')
      .option('--out <file>', 'save the plan (with the versions it saw) for `apply --plan`')
      .addHelpText('after', MANIFEST_HELP)
      .action(async (options: { filename: string; prune?: boolean; out?: string }, command: Command) => {
        const s = session(command);
        const actions = await plan(s, options.filename, Boolean(options.prune));
        out(renderPlan(actions));
        if (options.out) {
          const saved: SavedPlan = {
            kind: 'opampctl-plan',
            server: s.connection.server,
            created_at: new Date().toISOString(),
            actions,
          };
          fs.writeFileSync(options.out, JSON.stringify(saved, null, 2) + '\n');
        }
        if (actions.some(isChange)) {
          process.exitCode = EXIT_CHANGES;
        }
      }),
    ['opampctl plan -f ./fleet', 'opampctl plan -f ./fleet --prune --out plan.json'],
  );

  examples(
    program
      .command('apply')
      .description('Make the server match the manifests; each update is guarded by the version it was planned against')
      .option('-f, --filename <dir>', 'directory of manifests (plans and applies in one go)')
      .option('--plan <file>', 'apply a plan saved by `plan --out` (fails if the server moved on since)')
      .option('--prune', 'delete configurations that are in no manifest (with -f)')
      .addHelpText('after', MANIFEST_HELP)
      .action(async (options: { filename?: string; plan?: string; prune?: boolean }, command: Command) => {
        const s = session(command);
        let actions: PlanAction[];
        if (options.plan && !options.filename) {
          actions = readSavedPlan(options.plan, s.connection.server);
        } else if (options.filename && !options.plan) {
          actions = await plan(s, options.filename, Boolean(options.prune));
        } else {
          throw new CliError('give exactly one of -f DIR and --plan FILE');
        }
        out(renderPlan(actions));
        if (!actions.some(isChange)) {
          return;
        }
        await applyPlan(s.client, actions, out);
        out('Applied.');
      }),
    [
      'opampctl apply -f ./fleet',
      'opampctl apply -f ./fleet --prune',
      'opampctl plan -f ./fleet --out plan.json; opampctl apply --plan plan.json',
    ],
  );

  examples(
    program
      .command('export')
      .description("Write the server's configurations as manifests (NAME.yaml) and their content (config/NAME.ext)")
      .requiredOption(
        '-o, --output-dir <dir>',
        'directory to write (created if missing; files of the same name are replaced)',
      )
      .action(async (options: { outputDir: string }, command: Command) => {
        const s = session(command);
        const configurations = await readServerConfigurations(s.client);
        fs.mkdirSync(path.join(options.outputDir, 'config'), { recursive: true });
        for (const c of configurations) {
          const desired = toDesired(c);
          const configFile = `./config/${configFileName(desired)}`;
          fs.writeFileSync(path.join(options.outputDir, configFile), desired.raw_config);
          fs.writeFileSync(path.join(options.outputDir, `${c.name}.yaml`), manifestFor(desired, configFile));
        }
        out(`Exported ${configurations.length} configuration(s) to ${options.outputDir}`);
      }),
    ['opampctl export -o ./fleet && git -C ./fleet add . && opampctl plan -f ./fleet'],
  );
}

function readSavedPlan(file: string, server: string): PlanAction[] {
  let saved: SavedPlan;
  try {
    saved = JSON.parse(fs.readFileSync(file, 'utf8')) as SavedPlan;
  } catch (error) {
    throw new CliError(`cannot read plan ${file}: ${(error as Error).message}`);
  }
  if (saved.kind !== 'opampctl-plan' || !Array.isArray(saved.actions)) {
    throw new CliError(`${file} is not a plan written by \`opampctl plan --out\``);
  }
  if (saved.server !== server) {
    throw new CliError(`plan ${file} was made against ${saved.server}, not ${server}`);
  }
  return saved.actions;
}
