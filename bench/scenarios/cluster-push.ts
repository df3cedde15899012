import fs from 'node:fs';
import path from 'node:path';
import { sleep } from '../loadgen/loadgen.js';
import { distribution } from '../loadgen/stats.js';
import { OurServer } from '../support/servers.js';
import { describe, loadAgainst, scaled, startOurs, type Scenario } from './scenario.js';

/**
 * Two instances on one PostgreSQL (instance A's embedded one), 15,000 WebSocket agents on each,
 * and one configuration pushed to all 30,000 through A's API: agents held by B get it through the
 * NOTIFY wake-up. Figures: time from the push request until APPLIED, per instance.
 */
export const clusterPush: Scenario = {
  name: 'cluster-push',
  description: '2 instances x 15,000 agents on one PostgreSQL, one push through instance A: time until APPLIED',
  async run(context) {
    if (context.baselineOnly) {
      return [];
    }
    const perInstance = scaled(context, 15_000);
    const a = await startOurs(context, { INSTANCE_ID: 'bench-a' });
    const password = fs.readFileSync(path.join(a.dataDir, 'postgres-password'), 'utf8').trim();
    const databaseUrl = `postgres://opamp:${encodeURIComponent(password)}@127.0.0.1:${a.postgresPort}/opamp`;
    const b = await OurServer.start({ env: { INSTANCE_ID: 'bench-b', DATABASE_URL: databaseUrl } });
    b.key = a.key; // one enrollment key, in the shared database
    const loads = [a, b].map((server) =>
      loadAgainst(context, server, { agents: perInstance, applyDelayMs: [20, 200] }),
    );
    try {
      loads.forEach((load) => load.start());
      await Promise.all(loads.map((load) => load.waitForRamp(60)));
      await sleep(3000);
      const name = `cluster-${Date.now()}`;
      const created = await a.api('POST', '/api/v1/configurations', {
        name,
        raw_config: 'receivers: {}\nexporters: {}\n',
        selector: { 'service.name': 'otelcol-contrib' },
        auto_push: false,
      });
      if (created.status >= 300) {
        throw new Error(`POST /api/v1/configurations answered ${created.status}`);
      }
      await sleep(1000);
      const before = loads.map((load) => load.totals().applied);
      const pushedAt = Date.now();
      const pushed = await a.api('POST', `/api/v1/configurations/${name}/push`, {});
      const answeredMs = Date.now() - pushedAt;
      const result = pushed.body as { sent?: number; forwarded?: number; skipped?: Array<{ reason: string }> };
      const reasons: Record<string, number> = {};
      for (const skip of result.skipped ?? []) {
        reasons[skip.reason] = (reasons[skip.reason] ?? 0) + 1;
      }
      console.log(
        `  push answered ${pushed.status} in ${answeredMs} ms: sent ${result.sent}, forwarded ${result.forwarded}, ` +
          `skipped ${JSON.stringify(reasons)}`,
      );
      await Promise.all(loads.map((load) => load.waitFor((c) => c.applied >= perInstance, 180_000)));
      const summaries = await Promise.all(loads.map((load) => load.stop()));
      summaries.forEach((summary, i) =>
        console.log(`  instance ${'ab'[i]}: ${describe(summary)}; applied ${summary.applied}`),
      );
      const times = summaries.map((s) =>
        distribution(s.appliedAtEpochMs.filter((at) => at >= pushedAt).map((at) => at - pushedAt)),
      );
      const all = distribution(
        summaries.flatMap((s) => s.appliedAtEpochMs.filter((at) => at >= pushedAt).map((at) => at - pushedAt)),
      );
      return [
        { name: 'agents held (A + B)', value: summaries[0].connected + summaries[1].connected },
        {
          name: 'agents that reported APPLIED',
          value: summaries[0].applied + summaries[1].applied,
          target: { op: '>=', value: perInstance * 2 },
        },
        { name: 'applied before the push (own heartbeat)', value: before[0] + before[1] },
        { name: 'push request answered in', value: answeredMs, unit: 'ms' },
        { name: 'push → APPLIED p50 (all)', value: all.p50, unit: 'ms' },
        { name: 'push → APPLIED p99 (all)', value: all.p99, unit: 'ms' },
        { name: 'push → APPLIED max (all)', value: all.max, unit: 'ms' },
        { name: 'push → APPLIED p99, agents on A', value: times[0].p99, unit: 'ms' },
        { name: 'push → APPLIED p99, agents on B (via NOTIFY)', value: times[1].p99, unit: 'ms' },
      ];
    } finally {
      loads.forEach((load) => load.kill());
      await b.stop();
      await a.stop();
      b.removeDataDir();
      a.removeDataDir();
    }
  },
};
