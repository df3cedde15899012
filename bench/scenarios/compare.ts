import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { sleep, type Loadgen } from '../loadgen/loadgen.js';
import { readCpuSeconds, readRssKb } from '../loadgen/process-stats.js';
import { round } from '../loadgen/stats.js';
import { verdict, type Figure } from '../support/report.js';
import { startBaseline, type OurServer, type ServerUnderTest } from '../support/servers.js';
import { pushToFleet, recordedCounts, untilApplied } from './push.js';
import { loadAgainst, scaled, startOurs, type Scenario, type ScenarioContext } from './scenario.js';
import { storm, usPerMessage } from './status-storm.js';

/** The fleet sizes at scale 1. */
const HELD = 10_000;
const STORM = 5000;
/** "Back to the hold figure within a minute" after the push. */
const AFTER_PUSH_MS = 60_000;
/** After the ramp, first replies and the writes they cause are part of a connect's cost. */
const CONNECT_SETTLE_MS = 2000;

interface FleetFigures {
  connected: number;
  refusals: number;
  cpuPerConnectMs: number | null;
  rssPerAgentKb: number | null;
}

const perAgent = (kb: number | null, idleKb: number | null, agents: number): number | null =>
  kb === null || idleKb === null || agents === 0 ? null : round((kb - idleKb) / agents);

/**
 * Ramps `agents` at 1,000/s against a fresh server, then holds them for the window: CPU per
 * connect (first message included), refusals during the ramp, RSS per agent held.
 */
async function rampAndHold(
  server: ServerUnderTest,
  load: Loadgen,
  windowSeconds: number,
): Promise<FleetFigures & { idleRssKb: number | null }> {
  const idleRssKb = readRssKb(server.pid);
  const cpuBefore = readCpuSeconds(server.pid);
  load.start();
  await load.waitForRamp();
  await sleep(CONNECT_SETTLE_MS);
  const cpuAfter = readCpuSeconds(server.pid);
  const ramped = load.totals();
  await sleep(windowSeconds * 1000);
  const connected = load.totals().connected;
  return {
    idleRssKb,
    connected,
    refusals: ramped.upgrade503,
    cpuPerConnectMs:
      cpuBefore === null || cpuAfter === null || ramped.connected === 0
        ? null
        : round(((cpuAfter - cpuBefore) * 1000) / ramped.connected, 3),
    rssPerAgentKb: perAgent(readRssKb(server.pid), idleRssKb, connected),
  };
}

async function baselineFleet(context: ScenarioContext, agents: number, windowSeconds: number): Promise<FleetFigures> {
  const server = await startBaseline(undefined, context.serverCpus);
  const load = loadAgainst(context, server, { agents, heartbeatSeconds: 30 });
  try {
    const figures = await rampAndHold(server, load, windowSeconds);
    await load.stop();
    console.log(`  baseline ${agents}: ${JSON.stringify(figures)}`);
    return figures;
  } finally {
    load.kill();
    await server.stop();
  }
}

interface OurFleetFigures extends FleetFigures {
  rssAfterPushKb: number | null;
  rssMinuteLaterKb: number | null;
  lastAppliedMs: number | null;
  pushAnsweredMs: number;
  applied: number;
  pending: number | null;
}

async function ourFleet(context: ScenarioContext, agents: number, windowSeconds: number): Promise<OurFleetFigures> {
  const server: OurServer = await startOurs(context);
  const load = loadAgainst(context, server, { agents, heartbeatSeconds: 30, applyDelayMs: [20, 200] });
  try {
    const held = await rampAndHold(server, load, windowSeconds);
    // The target is an answer that waits on no agent: the push is recorded, delivery follows.
    const run = await pushToFleet(server, load, agents, undefined, { wait: false });
    const rssAfterPushKb = perAgent(readRssKb(server.pid), held.idleRssKb, load.totals().connected);
    await sleep(AFTER_PUSH_MS);
    const rssMinuteLaterKb = perAgent(readRssKb(server.pid), held.idleRssKb, load.totals().connected);
    const counts = await recordedCounts(server, run);
    const summary = await load.stop();
    const times = untilApplied(summary.appliedAtEpochMs, run);
    const figures: OurFleetFigures = {
      ...held,
      rssAfterPushKb,
      rssMinuteLaterKb,
      lastAppliedMs: times.max,
      pushAnsweredMs: run.pushAnsweredMs,
      applied: summary.applied,
      pending: counts ? (counts.pending ?? 0) + (counts.applying ?? 0) : null,
    };
    console.log(`  ours ${agents}: ${JSON.stringify(figures)}; push counts ${JSON.stringify(counts)}`);
    return figures;
  } finally {
    load.kill();
    await server.stop();
    server.removeDataDir();
  }
}

/**
 * Pins this process (and so the generator workers it forks) to the last CPU and the servers to
 * the first, so neither steals the other's core. Returns how to undo it.
 */
function pin(context: ScenarioContext): { context: ScenarioContext; unpin: () => void; note: string } {
  const cpus = os.cpus().length;
  if (cpus < 2) {
    return { context, unpin: () => undefined, note: 'not pinned: one CPU' };
  }
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpus - 1), String(process.pid)], { stdio: 'ignore' });
  } catch {
    return { context, unpin: () => undefined, note: 'not pinned: taskset failed or is missing' };
  }
  const unpin = (): void => {
    execFileSync('taskset', ['-a', '-p', '-c', `0-${cpus - 1}`, String(process.pid)], { stdio: 'ignore' });
  };
  return {
    context: { ...context, serverCpus: '0' },
    unpin,
    note: `servers pinned to CPU 0, generator to CPU ${cpus - 1}`,
  };
}

function loadNote(when: string): string {
  const [one, five] = os.loadavg();
  const busy = one > 1.5 || five > 1.5;
  return (
    `load average at ${when}: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}` + (busy ? ' — the machine is shared and loaded: absolute figures are pessimistic' : '')
  );
}

function printTable(figures: Figure[]): void {
  const ratio = (f: Figure): string =>
    typeof f.value === 'number' && typeof f.baseline === 'number' && f.baseline !== 0
      ? `${round(f.value / f.baseline, 2)}x`
      : '—';
  const cell = (v: number | string | null | undefined, unit = ''): string =>
    v === null || v === undefined ? '—' : `${v}${unit ? ' ' + unit : ''}`;
  console.log('\n| Figure | ours / baseline | bare baseline | ours | target | |');
  console.log('|---|---|---|---|---|---|');
  for (const f of figures) {
    const target = f.target
      ? `${f.target.of === 'ratio' ? 'ratio ' : ''}${f.target.op} ${f.target.value}${f.target.unit ?? ''}`
      : '';
    console.log(
      `| ${f.name} | ${ratio(f)} | ${cell(f.baseline, f.unit)} | ${cell(f.value, f.unit)} | ${target} | ${verdict(f)} |`,
    );
  }
}

/**
 * The performance issue's table in one run: the bare `ws` baseline and our server on the same
 * generator, pinned to separate cores when there are two. Ratios are the figures to trust on a
 * shared machine; the load average is printed at both ends so a loaded run is seen as one.
 */
export const compare: Scenario = {
  name: 'compare',
  description:
    'baseline vs ours: RSS per agent held / after a push, CPU per connect and per message, push to N, ramp refusals',
  async run(original) {
    const pinned = pin(original);
    const context = pinned.context;
    const windowSeconds = context.durationGiven
      ? context.durationSeconds
      : Math.max(10, Math.round(60 * Math.min(1, context.scale)));
    const held = scaled(context, HELD);
    const stormAgents = scaled(context, STORM);
    console.log(`  ${pinned.note}; hold window ${windowSeconds} s; ${loadNote('start')}`);
    try {
      const base = await baselineFleet(context, held, windowSeconds);
      const baseStorm = await storm({ ...context, durationSeconds: windowSeconds }, 'baseline', stormAgents);
      if (context.baselineOnly) {
        return [];
      }
      const ours = await ourFleet(context, held, windowSeconds);
      const ourStorm = await storm({ ...context, durationSeconds: windowSeconds }, 'ours', stormAgents);
      const figures: Figure[] = [
        {
          name: `RSS per agent, ${held} held, 30 s heartbeats`,
          value: ours.rssPerAgentKb,
          baseline: base.rssPerAgentKb,
          unit: 'KB',
          target: { op: '<=', value: 10, unit: ' KB' },
        },
        {
          name: `RSS per agent after one push to those ${held}`,
          value: ours.rssAfterPushKb,
          unit: 'KB',
          target: { op: '<=', value: 15, unit: ' KB' },
        },
        {
          name: 'RSS per agent a minute after the push',
          value: ours.rssMinuteLaterKb,
          unit: 'KB',
          target: { op: '<=', value: round(Math.max(10, (ours.rssPerAgentKb ?? 0) * 1.1)), unit: ' KB' },
        },
        {
          name: 'Server CPU per connect (first message included)',
          value: ours.cpuPerConnectMs,
          baseline: base.cpuPerConnectMs,
          unit: 'ms',
          target: { op: '<=', value: 0.35, unit: ' ms' },
        },
        {
          name: `CPU per agent message, ${stormAgents} agents at 1 s`,
          value: usPerMessage(ourStorm),
          baseline: usPerMessage(baseStorm),
          unit: 'µs',
          target: { op: '<=', value: 1.1, of: 'ratio' },
        },
        {
          name: `Push to ${held}, last agent APPLIED`,
          value: ours.lastAppliedMs === null ? null : round(ours.lastAppliedMs / 1000, 2),
          unit: 's',
          target: { op: '<=', value: 1, unit: ' s' },
        },
        {
          name: 'Push request answered in (wait: false)',
          value: ours.pushAnsweredMs,
          unit: 'ms',
          target: { op: '<=', value: 2000, unit: ' ms' },
        },
        {
          name: `${held} agents ramping at 1,000/s, refusals`,
          value: ours.refusals,
          baseline: base.refusals,
          target: { op: '<=', value: 0 },
        },
        { name: 'check: agents APPLIED', value: ours.applied, target: { op: '>=', value: held } },
        { name: 'check: push rows left pending/applying', value: ours.pending, target: { op: '<=', value: 0 } },
        {
          name: 'check: storm agents held (ours)',
          value: ourStorm.connected,
          target: { op: '>=', value: stormAgents },
        },
      ];
      printTable(figures);
      return figures;
    } finally {
      pinned.unpin();
      console.log(`  ${loadNote('end')}`);
    }
  },
};
