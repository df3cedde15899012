import { sleep, type Loadgen } from '../loadgen/loadgen.js';
import { round } from '../loadgen/stats.js';
import type { Figure } from '../support/report.js';
import { isAlive, startBaseline } from '../support/servers.js';
import { describe, loadAgainst, scaled, startOurs, type Scenario, type ScenarioContext } from './scenario.js';

const SETTLE_LIMIT_MS = 180_000;

interface StormResult {
  settledMs: number | null;
  apiSettledMs: number | null;
  upgrade503: number;
  peakRssKb: number | null;
  survived: boolean;
}

/** Waits until every agent is connected again; null when the limit passes first. */
async function reconnected(load: Loadgen, agents: number, since: number): Promise<number | null> {
  const ok = await load.waitFor((c) => c.connected >= agents, SETTLE_LIMIT_MS - (Date.now() - since));
  return ok ? Date.now() - since : null;
}

async function baselineStorm(context: ScenarioContext, agents: number): Promise<StormResult> {
  let server = await startBaseline();
  const port = Number(new URL(server.opampUrl).port);
  const load = loadAgainst(context, server, { agents });
  try {
    load.start();
    await load.waitForRamp();
    const before = load.totals().upgrade503;
    const killedAt = Date.now();
    await server.crash();
    await load.waitFor((c) => c.connected === 0, 10_000);
    server = await startBaseline(port);
    load.setServerPid(server.pid);
    const settledMs = await reconnected(load, agents, killedAt);
    const summary = await load.stop();
    console.log(`  baseline reconnect storm: ${describe(summary)}`);
    return {
      settledMs,
      apiSettledMs: null,
      upgrade503: summary.upgrade503 - before,
      peakRssKb: summary.server.rssPeakKb,
      survived: true,
    };
  } finally {
    load.kill();
    await server.stop();
  }
}

async function oursStorm(context: ScenarioContext, agents: number): Promise<StormResult> {
  const server = await startOurs(context);
  const load = loadAgainst(context, server, { agents });
  try {
    load.start();
    await load.waitForRamp();
    // Let the server record every agent online before the crash.
    await sleep(3000);
    const before = load.totals().upgrade503;
    const killedAt = Date.now();
    await server.crash();
    await load.waitFor((c) => c.connected === 0, 10_000);
    const bootMs = await server.boot();
    load.setServerPid(server.pid);
    console.log(`  ours restarted in ${bootMs} ms after kill -9`);
    const settledMs = await reconnected(load, agents, killedAt);
    let apiSettledMs: number | null = null;
    while (Date.now() - killedAt < SETTLE_LIMIT_MS) {
      if ((await server.onlineCount().catch(() => NaN)) >= agents) {
        apiSettledMs = Date.now() - killedAt;
        break;
      }
      await sleep(500);
    }
    const survived = isAlive(server.pid);
    const summary = await load.stop();
    console.log(`  ours reconnect storm: ${describe(summary)}`);
    return {
      settledMs,
      apiSettledMs,
      upgrade503: summary.upgrade503 - before,
      peakRssKb: summary.server.rssPeakKb,
      survived,
    };
  } finally {
    load.kill();
    await server.stop();
    server.removeDataDir();
  }
}

const seconds = (ms: number | null): number | null => (ms === null ? null : round(ms / 1000, 1));

/** kill -9 with the fleet connected, restart on the same DATA_DIR: how long until all are back. */
export const reconnectStorm: Scenario = {
  name: 'reconnect-storm',
  description: 'kill -9 the server with 10,000 agents connected, restart it: time until all are online again',
  async run(context) {
    const agents = scaled(context, 10_000);
    const base = await baselineStorm(context, agents);
    const figures: Figure[] = [
      { name: 'baseline: all reconnected after kill -9', value: seconds(base.settledMs), unit: 's' },
      { name: 'baseline: peak RSS', value: base.peakRssKb, unit: 'KB' },
    ];
    if (context.baselineOnly) {
      return figures;
    }
    const ours = await oursStorm(context, agents);
    figures.push(
      {
        name: 'ours: all reconnected after kill -9 (sockets)',
        value: seconds(ours.settledMs),
        unit: 's',
        baseline: seconds(base.settledMs),
      },
      {
        name: 'ours: all online in the API after kill -9',
        value: seconds(ours.apiSettledMs),
        unit: 's',
        target: { op: '<=', value: 60, unit: ' s' },
      },
      { name: 'ours: 503s sent during the storm', value: ours.upgrade503 },
      { name: 'ours: peak RSS', value: ours.peakRssKb, unit: 'KB', baseline: base.peakRssKb },
      { name: 'ours: still running (1 = no crash)', value: ours.survived ? 1 : 0, target: { op: '>=', value: 1 } },
    );
    return figures;
  },
};
