import { sleep, type Loadgen } from '../loadgen/loadgen.js';
import { distribution } from '../loadgen/stats.js';
import type { OurServer } from '../support/servers.js';
import { describe, loadAgainst, scaled, startOurs, type Scenario } from './scenario.js';

const CONFIG = `receivers:
  otlp:
    protocols:
      grpc: { endpoint: 0.0.0.0:4317 }
exporters:
  otlphttp: { endpoint: https://gateway.example.internal:4318 }
service:
  pipelines:
    traces: { receivers: [otlp], exporters: [otlphttp] }
`;

/** One push through the API, from the request until every agent reported APPLIED. */
export interface PushRun {
  name: string;
  pushId: string;
  pushedAt: number;
  pushAnsweredMs: number;
  /** Agents that applied the configuration from a heartbeat offer before the push. */
  appliedBefore: number;
  /** False when not every agent reported APPLIED within the limit. */
  allApplied: boolean;
}

/**
 * Creates a configuration matching every simulated agent (auto_push off, so it exists before the
 * clock starts and the figure is the push alone), pushes it and waits until all `agents` applied.
 */
export async function pushToFleet(
  server: OurServer,
  load: Loadgen,
  agents: number,
  limitMs = 120_000,
  /** The push request's body: `{ wait: false }` answers before delivery. */
  body: Record<string, unknown> = {},
): Promise<PushRun> {
  const name = `bench-${Date.now()}`;
  const created = await server.api('POST', '/api/v1/configurations', {
    name,
    raw_config: CONFIG,
    selector: { 'service.name': 'otelcol-contrib' },
    auto_push: false,
  });
  if (created.status >= 300) {
    throw new Error(`POST /api/v1/configurations answered ${created.status}: ${JSON.stringify(created.body)}`);
  }
  await sleep(1000);
  const appliedBefore = load.totals().applied;
  const pushedAt = Date.now();
  const pushed = await server.api('POST', `/api/v1/configurations/${name}/push`, body);
  if (pushed.status >= 300) {
    throw new Error(`push answered ${pushed.status}: ${JSON.stringify(pushed.body)}`);
  }
  const pushAnsweredMs = Date.now() - pushedAt;
  console.log(`  push answered in ${pushAnsweredMs} ms: ${JSON.stringify(pushed.body).slice(0, 200)}`);
  const allApplied = await load.waitFor((c) => c.applied >= agents, limitMs);
  const pushId = (pushed.body as { push_id?: string }).push_id ?? '';
  return { name, pushId, pushedAt, pushAnsweredMs, appliedBefore, allApplied };
}

/** What the API recorded for the push (counts by apply state). */
export async function recordedCounts(server: OurServer, run: PushRun): Promise<Record<string, number> | undefined> {
  const recorded = await server.api<{ counts?: Record<string, number> }>(
    'GET',
    `/api/v1/configurations/${run.name}/push/${run.pushId}`,
  );
  return recorded.body?.counts;
}

/**
 * Push → APPLIED times of the agents the push reached. Agents whose heartbeat fell between
 * creation and push get the (already assigned) configuration on their own; they are counted
 * apart, not as negative push times.
 */
export function untilApplied(appliedAtEpochMs: number[], run: PushRun): ReturnType<typeof distribution> {
  return distribution(appliedAtEpochMs.filter((at) => at >= run.pushedAt).map((at) => at - run.pushedAt));
}

/**
 * One configuration pushed to the whole fleet through the API: the time from the push request
 * until each agent reports APPLIED. Agents take 20–200 ms to "apply", as a collector reload would.
 */
export const push: Scenario = {
  name: 'push',
  description: 'one configuration pushed to 10,000 agents: p50, p99 and max time until APPLIED',
  async run(context) {
    if (context.baselineOnly) {
      console.log('  push needs our configurations API: skipped with --baseline-only');
      return [];
    }
    const agents = scaled(context, 10_000);
    const server = await startOurs(context);
    const load = loadAgainst(context, server, { agents, applyDelayMs: [20, 200] });
    try {
      load.start();
      await load.waitForRamp();
      await sleep(2000);
      const run = await pushToFleet(server, load, agents);
      // What the API says the push achieved, once the agents' reports had time to be written.
      await sleep(3000);
      const counts = await recordedCounts(server, run);
      console.log(`  apply states recorded for the push: ${JSON.stringify(counts)}`);
      const summary = await load.stop();
      console.log(`  ours push: ${describe(summary)}; applied ${summary.applied}/${agents}`);
      const times = untilApplied(summary.appliedAtEpochMs, run);
      return [
        { name: 'agents that reported APPLIED', value: summary.applied, target: { op: '>=', value: agents } },
        { name: 'push request answered in', value: run.pushAnsweredMs, unit: 'ms' },
        { name: 'applied before the push (own heartbeat)', value: run.appliedBefore },
        { name: 'push → APPLIED p50', value: times.p50, unit: 'ms' },
        { name: 'push → APPLIED p99', value: times.p99, unit: 'ms', target: { op: '<=', value: 3000, unit: ' ms' } },
        { name: 'push → APPLIED max', value: times.max, unit: 'ms' },
        { name: 'offer received → APPLIED p99 (agent side)', value: summary.applyMs.p99, unit: 'ms' },
        {
          name: 'recorded as applied in the push summary (API)',
          value: counts?.applied ?? null,
          target: { op: '>=', value: summary.applied - run.appliedBefore },
        },
      ];
    } finally {
      load.kill();
      await server.stop();
      server.removeDataDir();
    }
  },
};
