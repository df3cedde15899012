import { parseArgs } from 'node:util';
import { Loadgen } from './loadgen.js';

/**
 * node dist/bench/loadgen/cli.js --url ws://127.0.0.1:4320/v1/opamp --agents 2000 --ramp 500
 *   --heartbeat 30 --duration 60 --transport ws --key <key> --server-pid <pid> --processes 3
 *   --source-ips 127.0.0.1,127.0.0.2   (one address holds ~7,000 agents cheaply; use more above that)
 * Prints one JSON summary on stdout.
 */
const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'ws://127.0.0.1:4320/v1/opamp' },
    agents: { type: 'string', default: '1000' },
    ramp: { type: 'string', default: '500' },
    heartbeat: { type: 'string', default: '30' },
    duration: { type: 'string', default: '60' },
    transport: { type: 'string' },
    key: { type: 'string' },
    'server-pid': { type: 'string' },
    processes: { type: 'string', default: '1' },
    'source-ips': { type: 'string', default: '127.0.0.1' },
    'apply-delay-ms': { type: 'string', default: '50,500' },
    'backoff-max-ms': { type: 'string', default: '10000' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(
    'usage: cli.js --url <ws://|http://...> [--agents N] [--ramp agents/s] [--heartbeat s] [--duration s]\n' +
      '  [--transport ws|http] [--key K] [--server-pid PID] [--processes P] [--source-ips a,b,...]\n' +
      '  [--apply-delay-ms min,max] [--backoff-max-ms ms]',
  );
  process.exit(0);
}

const url = values.url;
const transport = values.transport ?? (url.startsWith('http') ? 'http' : 'ws');
if (transport !== 'ws' && transport !== 'http') {
  throw new Error('--transport must be ws or http');
}
const [applyMin, applyMax] = values['apply-delay-ms'].split(',').map(Number);
const loadgen = new Loadgen({
  // ws agents need a ws:// URL and http agents an http:// one: accept either spelling for both.
  url: transport === 'ws' ? url.replace(/^http/, 'ws') : url.replace(/^ws/, 'http'),
  transport,
  agents: Number(values.agents),
  rampPerSecond: Number(values.ramp),
  heartbeatSeconds: Number(values.heartbeat),
  durationSeconds: Number(values.duration),
  key: values.key,
  serverPid: values['server-pid'] ? Number(values['server-pid']) : undefined,
  processes: Number(values.processes),
  sourceIps: values['source-ips'].split(',').filter(Boolean),
  applyDelayMs: [applyMin, applyMax ?? applyMin],
  backoffMaxMs: Number(values['backoff-max-ms']),
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    loadgen.kill();
    process.exit(130);
  });
}
const summary = await loadgen.run();
// Epoch times of every APPLIED are for scenarios that time a push; too long to print.
console.log(JSON.stringify({ ...summary, appliedAtEpochMs: undefined }, null, 2));
