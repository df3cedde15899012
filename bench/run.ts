import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { printFigures, saveResult, verdict, type Figure } from './support/report.js';
import { hold } from './scenarios/hold.js';
import { httpPolling } from './scenarios/http.js';
import { clusterAutoPush } from './scenarios/cluster-auto-push.js';
import { clusterPush } from './scenarios/cluster-push.js';
import { compare } from './scenarios/compare.js';
import { push } from './scenarios/push.js';
import { reconnectStorm } from './scenarios/reconnect-storm.js';
import { rollout } from './scenarios/rollout.js';
import type { Scenario, ScenarioContext } from './scenarios/scenario.js';
import { statusStorm } from './scenarios/status-storm.js';

/**
 * npm run bench -- [scenario ...] [--scale 0.1] [--duration 60] [--baseline-only] [--profile]
 *   npm run bench -- compare --scale 0.1   (the performance table, ~3 minutes; --scale 1 for the real figures)
 *   [--hold-sizes 2000,19000] [--source-ips 127.0.0.1,127.0.0.2]   (default 127.0.0.1 to 127.0.0.32)
 *   [--instances 6] [--agents-per-instance 16667] [--ramp 1000]   (cluster-push, cluster-auto-push)
 * Runs the named scenarios (all but push and cluster-push by default) and prints each figure with its ratio to the
 * baseline measured in the same run, and PASS/FAIL where there is a target. Slow figures never
 * change the exit code; only broken machinery does.
 */
/**
 * Agents connect from a fixed source address each, so every socket takes an ephemeral port of
 * that address in the kernel's bind search. Measured here: a connect costs ~40 µs of kernel CPU
 * while an address holds fewer than ~7,000 sockets, ~1.6 ms above that and 4–7 ms above 14,000.
 * With 4 addresses, 100,000 agents spent the machine in that search; 32 addresses keep each one
 * under ~3,200 sockets.
 */
const DEFAULT_SOURCE_IPS = Array.from({ length: 32 }, (_, i) => `127.0.0.${i + 1}`).join(',');

const SCENARIOS: Scenario[] = [
  compare,
  hold,
  statusStorm,
  httpPolling,
  reconnectStorm,
  push,
  clusterPush,
  clusterAutoPush,
  rollout,
];
/** Run only when named: long, or a summary of the others. */
const ON_REQUEST = new Set<Scenario>([compare, push, clusterPush, clusterAutoPush, rollout]);

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    scale: { type: 'string', default: '1' },
    duration: { type: 'string' },
    'source-ips': { type: 'string', default: DEFAULT_SOURCE_IPS },
    'baseline-only': { type: 'boolean', default: false },
    'hold-sizes': { type: 'string' },
    profile: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
    instances: { type: 'string' },
    'agents-per-instance': { type: 'string' },
    ramp: { type: 'string' },
  },
});

if (values.list) {
  for (const s of SCENARIOS) {
    console.log(`${s.name.padEnd(16)} ${s.description}`);
  }
  process.exit(0);
}

const names = positionals.length > 0 ? positionals : SCENARIOS.filter((s) => !ON_REQUEST.has(s)).map((s) => s.name);
const chosen = names.map((name) => {
  const found = SCENARIOS.find((s) => s.name === name || s.name.replace('-', '') === name.replace('-', ''));
  if (!found) {
    throw new Error(`unknown scenario "${name}"; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  }
  return found;
});

const profileDir = values.profile ? path.resolve('bench', 'results', 'profiles') : undefined;
if (profileDir) {
  fs.mkdirSync(profileDir, { recursive: true });
}
const context: ScenarioContext = {
  scale: Number(values.scale),
  durationSeconds: Number(values.duration ?? 60),
  durationGiven: values.duration !== undefined,
  sourceIps: values['source-ips'].split(',').filter(Boolean),
  baselineOnly: values['baseline-only'],
  holdSizes: values['hold-sizes']?.split(',').map(Number),
  profileDir,
  instances: optionalNumber(values.instances),
  agentsPerInstance: optionalNumber(values['agents-per-instance']),
  rampPerSecond: optionalNumber(values.ramp),
};

let broken = false;
for (const scenario of chosen) {
  console.log(`\n### ${scenario.name}: ${scenario.description}`);
  try {
    const figures: Figure[] = await scenario.run(context);
    printFigures(scenario.name, figures);
    const file = saveResult(
      scenario.name,
      figures.map((f) => ({ ...f, verdict: verdict(f) })),
    );
    console.log(`  (saved ${path.relative(process.cwd(), file)})`);
  } catch (error) {
    broken = true;
    console.error(`  ${scenario.name} could not run: ${(error as Error).stack ?? String(error)}`);
  }
}
process.exit(broken ? 1 : 0);

function optionalNumber(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}
