import type { LoadgenSummary } from '../loadgen/loadgen.js';
import { round } from '../loadgen/stats.js';
import type { Figure } from '../support/report.js';
import { describe, loadAgainst, scaled, withServer, type Scenario, type ScenarioContext } from './scenario.js';

const SIZES = [2000, 10_000, 19_000];

async function holdOnce(context: ScenarioContext, kind: 'baseline' | 'ours', agents: number): Promise<LoadgenSummary> {
  return withServer(context, kind, async (server) => {
    const summary = await loadAgainst(context, server, { agents, heartbeatSeconds: 30 }).run();
    console.log(`  ${kind} hold ${agents}: ${describe(summary)}`);
    return summary;
  });
}

/** Idle fleets at 30 s heartbeats: what one agent costs in memory and a heartbeat in CPU. */
export const hold: Scenario = {
  name: 'hold',
  description: '2,000, 10,000 and 19,000 WebSocket agents at 30 s heartbeats: RSS per agent, CPU per 1,000 messages',
  async run(context) {
    const figures: Figure[] = [];
    const ends: Record<'baseline' | 'ours', LoadgenSummary[]> = { baseline: [], ours: [] };
    for (const size of context.holdSizes ?? SIZES) {
      const agents = scaled(context, size);
      const base = await holdOnce(context, 'baseline', agents);
      ends.baseline.push(base);
      figures.push(
        { name: `baseline ${agents}: held`, value: base.connected, unit: 'agents' },
        { name: `baseline ${agents}: RSS per agent`, value: base.server.rssPerAgentKb, unit: 'KB' },
        { name: `baseline ${agents}: CPU per 1k messages`, value: base.server.cpuMsPer1kMessages, unit: 'ms' },
      );
      if (context.baselineOnly) {
        continue;
      }
      let ours: LoadgenSummary;
      try {
        ours = await holdOnce(context, 'ours', agents);
      } catch (error) {
        // Keep the other sizes' figures: one failed boot must not hide them.
        console.error(`  ours hold ${agents} could not run: ${(error as Error).message}`);
        figures.push({ name: `ours ${agents}: held`, value: 'not run', target: { op: '>=', value: agents } });
        continue;
      }
      ends.ours.push(ours);
      figures.push(
        {
          name: `ours ${agents}: held`,
          value: ours.connected,
          unit: 'agents',
          baseline: base.connected,
          target: { op: '>=', value: agents },
        },
        { name: `ours ${agents}: connect errors`, value: ours.connectErrors.total, target: { op: '<=', value: 0 } },
        {
          name: `ours ${agents}: RSS per agent above idle`,
          value: ours.server.rssPerAgentKb,
          unit: 'KB',
          baseline: base.server.rssPerAgentKb,
          target: { op: '<=', value: 20, unit: ' KB' },
        },
        {
          name: `ours ${agents}: CPU per 1k messages`,
          value: ours.server.cpuMsPer1kMessages,
          unit: 'ms',
          baseline: base.server.cpuMsPer1kMessages,
        },
        {
          name: `ours ${agents}: CPU per 1k messages incl. PostgreSQL`,
          value: ours.server.treeCpuMsPer1kMessages,
          unit: 'ms',
        },
        {
          name: `ours ${agents}: handshake p99`,
          value: ours.handshakeMs.p99,
          unit: 'ms',
          baseline: base.handshakeMs.p99,
        },
      );
    }
    if ((context.holdSizes ?? SIZES).length < 2) {
      return figures;
    }
    figures.push(
      { name: 'baseline: marginal RSS per agent', value: marginalRss(ends.baseline), unit: 'KB' },
      ...(context.baselineOnly
        ? []
        : [
            {
              name: 'ours: marginal RSS per agent',
              value: marginalRss(ends.ours),
              unit: 'KB',
              baseline: marginalRss(ends.baseline),
              target: { op: '<=' as const, value: 20, unit: ' KB' },
            },
          ]),
    );
    return figures;
  },
};

/**
 * RSS right after boot still holds start-up garbage, so "above idle" is noisy for small fleets;
 * the slope between the smallest and the largest fleet is what one more agent costs.
 */
function marginalRss(runs: LoadgenSummary[]): number | null {
  const held = runs.filter((r) => r.server.rssEndKb !== null && r.connected > 0);
  if (held.length < 2) {
    return null;
  }
  const [low, high] = [held[0], held[held.length - 1]];
  return round((high.server.rssEndKb! - low.server.rssEndKb!) / (high.connected - low.connected));
}
