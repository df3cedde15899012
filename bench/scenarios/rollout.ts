import { readCpuSeconds } from '../loadgen/process-stats.js';
import { sleep } from '../loadgen/loadgen.js';
import { describe, loadAgainst, scaled, startOurs, type Scenario } from './scenario.js';

const config = (endpoint: string) => `receivers:
  otlp:
    protocols:
      grpc: { endpoint: 0.0.0.0:4317 }
exporters:
  otlphttp: { endpoint: ${endpoint} }
service:
  pipelines:
    traces: { receivers: [otlp], exporters: [otlphttp] }
`;

interface RolloutView {
  status: string;
  current_stage: number;
  stage_count: number;
  phase: string;
}

/**
 * A version rolled out to 10,000 agents in 4 stages (1 %, 10 %, 50 %, 100 %) baking 5 s each:
 * the time from the last stage's offer until every agent reported APPLIED, and the server's CPU
 * while stages bake (gates are evaluated every second) next to its CPU with heartbeats alone.
 * Gates read stored state, so the bake figure should sit at the heartbeat-only figure.
 */
export const rollout: Scenario = {
  name: 'rollout',
  description: 'a 4-stage rollout (bake 5 s) over 10,000 agents: last stage offer → all APPLIED, CPU while baking',
  async run(context) {
    if (context.baselineOnly) {
      console.log('  rollout needs our rollouts API: skipped with --baseline-only');
      return [];
    }
    const agents = scaled(context, 10_000);
    const server = await startOurs(context);
    const load = loadAgainst(context, server, { agents, applyDelayMs: [20, 200] });
    try {
      load.start();
      await load.waitForRamp();
      const name = `bench-rollout-${Date.now()}`;
      const v1 = await server.api('POST', '/api/v1/configurations', {
        name,
        raw_config: config('https://gateway-1.example.internal:4318'),
        selector: { 'service.name': 'otelcol-contrib' },
        auto_push: false,
      });
      if (v1.status >= 300) {
        throw new Error(`POST /api/v1/configurations answered ${v1.status}: ${JSON.stringify(v1.body)}`);
      }
      await server.api('POST', `/api/v1/configurations/${name}/push`, {});
      await load.waitFor((c) => c.applied >= agents, 120_000);
      // v2 is held back (auto_push off) until the rollout takes it out.
      await server.api('PUT', `/api/v1/configurations/${name}`, {
        raw_config: config('https://gateway-2.example.internal:4318'),
      });

      // Heartbeats alone, for comparison with the bake windows.
      const idleStart = { cpu: readCpuSeconds(server.pid) ?? 0, at: Date.now() };
      await sleep(5000);
      const idleCpuPercent =
        (((readCpuSeconds(server.pid) ?? 0) - idleStart.cpu) / ((Date.now() - idleStart.at) / 1000)) * 100;

      const created = await server.api<{ id: string }>('POST', '/api/v1/rollouts', {
        configuration: name,
        plan: { type: 'percent', percents: [1, 10, 50, 100] },
        bake_seconds: 5,
        apply_timeout_seconds: 120,
      });
      if (created.status >= 300) {
        throw new Error(`POST /api/v1/rollouts answered ${created.status}: ${JSON.stringify(created.body)}`);
      }
      const id = created.body.id;
      let bakeCpu = 0;
      let bakeMs = 0;
      let last = { cpu: readCpuSeconds(server.pid) ?? 0, at: Date.now(), phase: 'offer' };
      let view: RolloutView | undefined;
      const deadline = Date.now() + 300_000;
      while (Date.now() < deadline) {
        await sleep(250);
        view = (await server.api<RolloutView>('GET', `/api/v1/rollouts/${id}`)).body;
        const now = { cpu: readCpuSeconds(server.pid) ?? 0, at: Date.now(), phase: view.phase };
        if (last.phase === 'bake' && now.phase === 'bake') {
          bakeCpu += now.cpu - last.cpu;
          bakeMs += now.at - last.at;
        }
        last = now;
        if (view.status !== 'running') {
          break;
        }
      }
      if (view?.status !== 'completed') {
        throw new Error(`rollout ended ${view?.status ?? 'unknown'}: ${JSON.stringify(view)}`);
      }
      await load.waitFor((c) => c.applied >= 2 * agents, 60_000);
      const lastStage = await server.api<Array<{ offered_at: string }>>(
        'GET',
        `/api/v1/rollouts/${id}/agents?stage=4&page_size=1`,
      );
      const lastOfferAt = Date.parse(lastStage.body[0]?.offered_at ?? '');
      const summary = await load.stop();
      console.log(`  ours rollout: ${describe(summary)}; applied ${summary.applied}/${2 * agents}`);
      const allAppliedAt = Math.max(...summary.appliedAtEpochMs);
      return [
        {
          name: 'agents that applied the new version',
          value: summary.applied - agents,
          target: { op: '>=', value: agents },
        },
        { name: 'last stage offer → all APPLIED', value: allAppliedAt - lastOfferAt, unit: 'ms' },
        { name: 'server CPU with heartbeats only', value: Math.round(idleCpuPercent * 10) / 10, unit: '%' },
        {
          name: 'server CPU while stages bake (gates every 1 s)',
          value: bakeMs > 0 ? Math.round((bakeCpu / (bakeMs / 1000)) * 1000) / 10 : null,
          unit: '%',
        },
      ];
    } finally {
      load.kill();
      await server.stop();
      server.removeDataDir();
    }
  },
};
