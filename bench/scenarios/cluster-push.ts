import fs from 'node:fs';
import { sleep } from '../loadgen/loadgen.js';
import { distribution } from '../loadgen/stats.js';
import { problems, rampUp, startCluster, stopCluster, sum, waitForAll } from './cluster.js';
import { describe, type Scenario } from './scenario.js';

/**
 * Several instances on one PostgreSQL (the first instance's embedded one), the same number of
 * WebSocket agents on each (15,000 on 2 instances by default; `--instances 6
 * --agents-per-instance 16667` is the 100,000-agent goal), and one configuration pushed to all of
 * them through the first instance's API: agents held elsewhere get it through the NOTIFY wake-up.
 * Figures: time from the push request until APPLIED, per instance, and what the API recorded.
 */
export const clusterPush: Scenario = {
  name: 'cluster-push',
  description:
    'Several instances (default 2 x 15,000 agents) on one PostgreSQL, one push through the first: time until APPLIED',
  async run(context) {
    if (context.baselineOnly) {
      return [];
    }
    const cluster = await startCluster(context);
    const { servers, loads, count, perInstance } = cluster;
    const [first] = servers;
    try {
      const { rampMs, heldBefore, onlineBefore } = await rampUp(cluster);
      const name = `cluster-${Date.now()}`;
      const created = await first.api('POST', '/api/v1/configurations', {
        name,
        raw_config: 'receivers: {}\nexporters: {}\n',
        selector: { 'service.name': 'otelcol-contrib' },
        auto_push: false,
      });
      if (created.status >= 300) {
        throw new Error(`POST /api/v1/configurations answered ${created.status}`);
      }
      await sleep(1000);
      const appliedBefore = loads.map((load) => load.totals().applied);
      const pushedAt = Date.now();
      const pushed = await first.api<{ push_id?: string }>('POST', `/api/v1/configurations/${name}/push`, {
        wait: false,
      });
      // Answered once recorded: what it targeted and forwarded is read from its summary below.
      const answeredMs = Date.now() - pushedAt;
      console.log(`  push answered ${pushed.status} in ${answeredMs} ms`);
      const everyone = perInstance * count;
      await waitForAll(loads, (applied) => applied >= everyone, 240_000);
      const settledMs = Date.now() - pushedAt;
      // Logged once the push was carried out, which is after its answer.
      const phases = pushPhases(first.logFile);
      if (phases) {
        console.log(`  push phases (logged when slow): ${phases}`);
      }
      await sleep(3000);
      const recorded = await first.api<{
        counts?: Record<string, number>;
        targeted?: number;
        sent?: number;
        forwarded?: number;
        skipped?: number;
      }>('GET', `/api/v1/configurations/${name}/push/${pushed.body?.push_id ?? ''}`);
      const { targeted, sent, forwarded, skipped } = recorded.body ?? {};
      console.log(`  push summary: ${JSON.stringify({ targeted, sent, forwarded, skipped })}`);
      console.log(`  apply states recorded for the push: ${JSON.stringify(recorded.body?.counts ?? recorded.body)}`);
      const onlineAfter = await first.onlineCount();
      const summaries = await Promise.all(loads.map((load) => load.stop()));
      summaries.forEach((summary, i) =>
        console.log(
          `  instance ${i}: ${describe(summary)}; applied ${summary.applied}; ${problems(servers[i].logFile)}`,
        ),
      );
      const sincePush = (s: (typeof summaries)[number]): number[] =>
        s.appliedAtEpochMs.filter((at) => at >= pushedAt).map((at) => at - pushedAt);
      const perServer = summaries.map((s) => distribution(sincePush(s)));
      const all = distribution(summaries.flatMap(sincePush));
      const applied = sum(summaries.map((s) => s.applied));
      return [
        { name: 'instances', value: count },
        { name: 'agents held after the ramp', value: sum(heldBefore), target: { op: '>=', value: everyone } },
        { name: 'ramp (all connected) took', value: rampMs, unit: 'ms' },
        { name: 'online in the API before the push', value: onlineBefore, target: { op: '>=', value: everyone } },
        {
          name: 'connect errors during the run',
          value: sum(summaries.map((s) => s.connectErrors.total)),
          target: { op: '<=', value: 0 },
        },
        {
          name: 'peak server RSS, largest instance',
          value: Math.max(...summaries.map((s) => s.server.rssPeakKb ?? 0)),
          unit: 'KB',
        },
        { name: 'agents that reported APPLIED', value: applied, target: { op: '>=', value: everyone } },
        { name: 'applied before the push (own heartbeat)', value: sum(appliedBefore) },
        {
          name: 'push request answered in (wait: false)',
          value: answeredMs,
          unit: 'ms',
          target: { op: '<=', value: 2000 },
        },
        { name: 'push → all APPLIED (or gave up)', value: settledMs, unit: 'ms' },
        { name: 'push → APPLIED p50 (all)', value: all.p50, unit: 'ms' },
        { name: 'push → APPLIED p99 (all)', value: all.p99, unit: 'ms', target: { op: '<=', value: 20_000 } },
        { name: 'push → APPLIED max (all)', value: all.max, unit: 'ms' },
        { name: 'push → APPLIED p99, agents on the pushing instance', value: perServer[0].p99, unit: 'ms' },
        {
          name: 'push → APPLIED p99, worst other instance (via NOTIFY)',
          value: Math.max(...perServer.slice(1).map((d) => d.p99 ?? 0)),
          unit: 'ms',
        },
        // Agents already applying it from a heartbeat's offer get no row of this push (skipped here,
        // or by the instance the push was forwarded to), so the rows are counted, not compared.
        { name: 'recorded as applied in the push summary (API)', value: recorded.body?.counts?.applied ?? null },
        {
          name: 'push rows left pending or timed out (agent gone, or report lost)',
          value: (recorded.body?.counts?.pending ?? NaN) + (recorded.body?.counts?.timeout ?? NaN),
          target: { op: '<=', value: 0 },
        },
        { name: 'online in the API after the push', value: onlineAfter, target: { op: '>=', value: everyone } },
      ];
    } finally {
      await stopCluster(cluster);
    }
  },
};

/** Where a slow push spent its time, from the pushing instance's warning (bench servers log warnings only). */
function pushPhases(logFile: string): string | undefined {
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
    if (line.includes('"findMs"')) {
      const entry = JSON.parse(line) as {
        desireMs: number;
        findMs: number;
        forwardMs: number;
        deliverMs: number;
        sendMs: number;
        recordMs: number;
      };
      return (
        `release ${entry.desireMs} ms, find ${entry.findMs} ms, record + notify ${entry.forwardMs} ms, ` +
        `deliver here ${entry.deliverMs} ms (send ${entry.sendMs} ms, then offers' rows ${entry.recordMs} ms)`
      );
    }
  }
  return undefined;
}
