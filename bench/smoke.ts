import { parseArgs } from 'node:util';
import { sleep, type Loadgen, type LoadgenSummary } from './loadgen/loadgen.js';
import { printFigures, type Figure } from './support/report.js';
import { describe, loadAgainst, withServer, type ScenarioContext } from './scenarios/scenario.js';

/**
 * CI's guard that the benchmark machinery still works, in well under a minute: a few hundred WS
 * agents and some HTTP pollers against the baseline and against our server (booted here on a temp
 * DATA_DIR with embedded PostgreSQL). It exits non-zero only when something is broken — no agent
 * connected, no reply, a server that did not boot — never because a figure is slow.
 */
const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '300' },
    'http-agents': { type: 'string', default: '50' },
    duration: { type: 'string', default: '5' },
    'baseline-only': { type: 'boolean', default: false },
  },
});

const context: ScenarioContext = {
  scale: 1,
  durationSeconds: Number(values.duration),
  sourceIps: ['127.0.0.1', '127.0.0.2'],
  baselineOnly: values['baseline-only'],
};
const wsAgents = Number(values.agents);
const httpAgents = Number(values['http-agents']);
const problems: string[] = [];

function check(kind: string, summary: LoadgenSummary, agents: number): void {
  console.log(`  ${kind} ${summary.transport}: ${describe(summary)}`);
  if (summary.everConnected === 0) {
    problems.push(`${kind} ${summary.transport}: no agent connected (${JSON.stringify(summary.connectErrors.byKind)})`);
  } else if (summary.window.received === 0) {
    problems.push(`${kind} ${summary.transport}: no reply in the measurement window`);
  } else if (summary.everConnected < agents) {
    console.log(`  note: ${agents - summary.everConnected} ${summary.transport} agents never connected`);
  }
}

// Both loads hit one server: its CPU over the window divides by the messages of both.
function cpuPer1k(ws: LoadgenSummary, http: LoadgenSummary): number | null {
  const messages = ws.window.sent + http.window.sent;
  return ws.server.cpuSeconds === null || messages === 0 ? null : Math.round((ws.server.cpuSeconds * 1e6) / messages);
}

async function smoke(kind: 'baseline' | 'ours'): Promise<Figure[]> {
  return withServer(context, kind, async (server) => {
    const loads: Loadgen[] = [
      loadAgainst(context, server, { agents: wsAgents, heartbeatSeconds: 1, processes: 1 }),
      loadAgainst(context, server, { agents: httpAgents, heartbeatSeconds: 1, processes: 1, transport: 'http' }),
    ];
    try {
      loads.forEach((l) => l.start());
      await Promise.all(loads.map((l) => l.waitForRamp(10)));
      loads.forEach((l) => l.markSteady());
      await sleep(context.durationSeconds * 1000);
      const [ws, http] = await Promise.all(loads.map((l) => l.stop()));
      check(kind, ws, wsAgents);
      check(kind, http, httpAgents);
      return [
        { name: `${kind}: WS agents connected`, value: ws.connected, unit: `of ${wsAgents}` },
        { name: `${kind}: WS replies per second`, value: ws.window.receivedPerSecond, unit: 'msg/s' },
        { name: `${kind}: server CPU per 1k messages (WS + HTTP)`, value: cpuPer1k(ws, http), unit: 'ms' },
        { name: `${kind}: HTTP polls per second`, value: http.window.receivedPerSecond, unit: 'polls/s' },
        { name: `${kind}: HTTP poll p99`, value: http.pollMs.p99, unit: 'ms' },
      ];
    } finally {
      loads.forEach((l) => l.kill());
    }
  });
}

const startedAt = Date.now();
const figures: Figure[] = [];
for (const kind of context.baselineOnly ? (['baseline'] as const) : (['baseline', 'ours'] as const)) {
  try {
    figures.push(...(await smoke(kind)));
  } catch (error) {
    problems.push(`${kind}: ${(error as Error).message}`);
  }
}
printFigures(`bench:smoke (${Math.round((Date.now() - startedAt) / 1000)} s)`, figures);
if (problems.length > 0) {
  console.error(`\nbench:smoke: the benchmark machinery is broken:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('\nbench:smoke: OK (figures are informative only)');
