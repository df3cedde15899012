import type { LoadgenSummary } from '../loadgen/loadgen.js';
import type { Figure } from '../support/report.js';
import { round } from '../loadgen/stats.js';
import { describe, loadAgainst, scaled, withServer, type Scenario, type ScenarioContext } from './scenario.js';

export async function storm(
  context: ScenarioContext,
  kind: 'baseline' | 'ours',
  agents: number,
): Promise<LoadgenSummary> {
  return withServer(context, kind, async (server) => {
    const summary = await loadAgainst(context, server, { agents, heartbeatSeconds: 1 }).run();
    console.log(`  ${kind} status storm: ${describe(summary)}`);
    return summary;
  });
}

export const usPerMessage = (s: LoadgenSummary): number | null =>
  s.server.cpuMsPer1kMessages === null ? null : round(s.server.cpuMsPer1kMessages, 1);

const capacity = (s: LoadgenSummary): number | null =>
  s.server.cpuMsPer1kMessages ? Math.round(1e6 / s.server.cpuMsPer1kMessages) : null;

/** Every agent reports every second: the message path's throughput and CPU per message. */
export const statusStorm: Scenario = {
  name: 'status-storm',
  description: '5,000 agents at 1 s heartbeats: messages per second and CPU per message against the baseline',
  async run(context) {
    const agents = scaled(context, 5000);
    const base = await storm(context, 'baseline', agents);
    const figures: Figure[] = [
      { name: 'baseline: replies per second', value: base.window.receivedPerSecond, unit: 'msg/s' },
      { name: 'baseline: CPU per message', value: usPerMessage(base), unit: 'µs' },
    ];
    if (context.baselineOnly) {
      return figures;
    }
    const ours = await storm(context, 'ours', agents);
    figures.push(
      {
        name: 'ours: replies per second',
        value: ours.window.receivedPerSecond,
        unit: 'msg/s',
        baseline: base.window.receivedPerSecond,
        target: { op: '>=', value: 0.5, of: 'ratio' },
      },
      { name: 'ours: CPU per message', value: usPerMessage(ours), unit: 'µs', baseline: usPerMessage(base) },
      // At a fixed offered load both may keep up; one core's capacity (1 s / CPU per message)
      // says how far each is from saturating.
      {
        name: 'ours: capacity per core (1 s / CPU per message)',
        value: capacity(ours),
        unit: 'msg/s',
        baseline: capacity(base),
        target: { op: '>=', value: 0.5, of: 'ratio' },
      },
      {
        name: 'ours: CPU per message incl. PostgreSQL',
        value: ours.server.treeCpuMsPer1kMessages === null ? null : round(ours.server.treeCpuMsPer1kMessages, 1),
        unit: 'µs',
      },
      { name: 'ours: agents held', value: ours.connected, unit: 'agents', target: { op: '>=', value: agents } },
    );
    return figures;
  },
};
