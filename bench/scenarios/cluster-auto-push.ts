import { distribution } from '../loadgen/stats.js';
import { problems, rampUp, startCluster, stopCluster, sum, waitForAll } from './cluster.js';
import { describe, type Scenario } from './scenario.js';

/**
 * The cluster of `cluster-push`, but no explicit push: one configuration matching every agent is
 * created through the first instance's API with auto push on, and each instance offers it to the
 * agents it holds when the assignment wake-up arrives (the lists of changed agents, 150 per
 * NOTIFY). Agents heartbeat every 30 s, so anything slower than a few seconds means a wake-up
 * did not offer. Figures: time from the create request until APPLIED, per instance.
 */
export const clusterAutoPush: Scenario = {
  name: 'cluster-auto-push',
  description:
    'Several instances (default 2 x 15,000 agents) on one PostgreSQL, a configuration created (auto push) through the first: time until APPLIED',
  async run(context) {
    if (context.baselineOnly) {
      return [];
    }
    const cluster = await startCluster(context);
    const { servers, loads, count, perInstance } = cluster;
    const [first] = servers;
    try {
      const { rampMs, heldBefore, onlineBefore } = await rampUp(cluster);
      const appliedBefore = loads.map((load) => load.totals().applied);
      const name = `cluster-auto-${Date.now()}`;
      const createdAt = Date.now();
      const created = await first.api<{ config_hash?: string }>('POST', '/api/v1/configurations', {
        name,
        raw_config: 'receivers: {}\nexporters: {}\n',
        selector: { 'service.name': 'otelcol-contrib' },
      });
      const answeredMs = Date.now() - createdAt;
      if (created.status >= 300) {
        throw new Error(`POST /api/v1/configurations answered ${created.status}`);
      }
      console.log(`  create answered ${created.status} in ${answeredMs} ms`);
      const everyone = perInstance * count;
      await waitForAll(loads, (applied) => applied - sum(appliedBefore) >= everyone, 240_000);
      const settledMs = Date.now() - createdAt;
      const summary = await first.api<{ counts?: Record<string, number> }>(
        'GET',
        `/api/v1/configurations/${name}/apply-summary`,
      );
      console.log(`  apply states recorded: ${JSON.stringify(summary.body?.counts ?? summary.body)}`);
      const summaries = await Promise.all(loads.map((load) => load.stop()));
      summaries.forEach((s, i) =>
        console.log(`  instance ${i}: ${describe(s)}; applied ${s.applied}; ${problems(servers[i].logFile)}`),
      );
      const sinceCreate = (s: (typeof summaries)[number]): number[] =>
        s.appliedAtEpochMs.filter((at) => at >= createdAt).map((at) => at - createdAt);
      const perServer = summaries.map((s) => distribution(sinceCreate(s)));
      const all = distribution(summaries.flatMap(sinceCreate));
      return [
        { name: 'instances', value: count },
        { name: 'agents held after the ramp', value: sum(heldBefore), target: { op: '>=', value: everyone } },
        { name: 'ramp (all connected) took', value: rampMs, unit: 'ms' },
        { name: 'online in the API before the create', value: onlineBefore, target: { op: '>=', value: everyone } },
        {
          name: 'connect errors during the run',
          value: sum(summaries.map((s) => s.connectErrors.total)),
          target: { op: '<=', value: 0 },
        },
        { name: 'create request answered in', value: answeredMs, unit: 'ms' },
        {
          name: 'agents that applied it',
          value: sum(summaries.map((s) => sinceCreate(s).length)),
          target: { op: '>=', value: everyone },
        },
        { name: 'create → all APPLIED (or gave up)', value: settledMs, unit: 'ms' },
        { name: 'create → APPLIED p50 (all)', value: all.p50, unit: 'ms' },
        { name: 'create → APPLIED p99 (all)', value: all.p99, unit: 'ms' },
        { name: 'create → APPLIED max (all)', value: all.max, unit: 'ms' },
        { name: 'create → APPLIED p99, agents on the creating instance', value: perServer[0].p99, unit: 'ms' },
        {
          name: 'create → APPLIED max, worst other instance (via NOTIFY)',
          value: Math.max(...perServer.slice(1).map((d) => d.max ?? 0)),
          unit: 'ms',
          // Past a heartbeat (30 s) it was the heartbeat, not the wake-up.
          target: { op: '<=', value: 15_000 },
        },
        {
          name: 'rows left pending or timed out',
          value: (summary.body?.counts?.pending ?? NaN) + (summary.body?.counts?.timeout ?? NaN),
          target: { op: '<=', value: 0 },
        },
      ];
    } finally {
      await stopCluster(cluster);
    }
  },
};
