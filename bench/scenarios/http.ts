import type { LoadgenSummary } from '../loadgen/loadgen.js';
import { sleep } from '../loadgen/loadgen.js';
import type { Figure } from '../support/report.js';
import { describe, loadAgainst, scaled, withServer, type Scenario, type ScenarioContext } from './scenario.js';

/** HTTP pollers beside a WebSocket fleet: both transports share the server's event loop. */
async function mixed(context: ScenarioContext, kind: 'baseline' | 'ours'): Promise<LoadgenSummary> {
  return withServer(context, kind, async (server) => {
    const ws = loadAgainst(context, server, { agents: scaled(context, 5000), heartbeatSeconds: 30 });
    const http = loadAgainst(context, server, {
      agents: scaled(context, 2000),
      heartbeatSeconds: 1,
      transport: 'http',
    });
    try {
      ws.start();
      await ws.waitForRamp();
      http.start();
      await http.waitForRamp();
      http.markSteady();
      await sleep(context.durationSeconds * 1000);
      const [pollers, sockets] = await Promise.all([http.stop(), ws.stop()]);
      console.log(`  ${kind} http: ${describe(pollers)}; beside ${describe(sockets)}`);
      return pollers;
    } finally {
      ws.kill();
      http.kill();
    }
  });
}

export const httpPolling: Scenario = {
  name: 'http',
  description: '2,000 HTTP agents polling every 1 s beside 5,000 WebSocket agents: polls per second, p99',
  async run(context) {
    const base = await mixed(context, 'baseline');
    const figures: Figure[] = [
      { name: 'baseline: polls per second', value: base.window.receivedPerSecond, unit: 'polls/s' },
      { name: 'baseline: poll p99', value: base.pollMs.p99, unit: 'ms' },
    ];
    if (context.baselineOnly) {
      return figures;
    }
    const ours = await mixed(context, 'ours');
    figures.push(
      {
        name: 'ours: polls per second',
        value: ours.window.receivedPerSecond,
        unit: 'polls/s',
        baseline: base.window.receivedPerSecond,
      },
      { name: 'ours: poll p50', value: ours.pollMs.p50, unit: 'ms', baseline: base.pollMs.p50 },
      { name: 'ours: poll p99', value: ours.pollMs.p99, unit: 'ms', baseline: base.pollMs.p99 },
      { name: 'ours: poll errors', value: ours.connectErrors.total, target: { op: '<=', value: 0 } },
    );
    return figures;
  },
};
