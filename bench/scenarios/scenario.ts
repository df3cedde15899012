import { Loadgen, type LoadgenOptions, type LoadgenSummary } from '../loadgen/loadgen.js';
import type { Figure } from '../support/report.js';
import { OurServer, startBaseline, type ServerUnderTest } from '../support/servers.js';

/** What the runner hands every scenario. */
export interface ScenarioContext {
  /** Multiplies agent counts: 1 for the real figures, less for a quick look. */
  scale: number;
  /** Steady measurement window of each load. */
  durationSeconds: number;
  sourceIps: string[];
  /** Run our server under --cpu-prof and keep the profiles in this directory. */
  profileDir?: string;
  /** Fleet sizes of the hold scenario (before scaling); the 2,000, 10,000, 19,000 by default. */
  holdSizes?: number[];
  /** cluster-push: instances on one PostgreSQL, agents on each (before scaling), machine-wide ramp rate. */
  instances?: number;
  agentsPerInstance?: number;
  rampPerSecond?: number;
  /** Skip our server (it is not built yet): baseline figures only. */
  baselineOnly: boolean;
  /** True when --duration was given (compare then keeps it instead of its scaled window). */
  durationGiven?: boolean;
  /** Pin the servers under test to these CPUs (taskset list); unpinned when absent. */
  serverCpus?: string;
}

/** A named benchmark; it returns the figures it printed so the runner can save them. */
export interface Scenario {
  name: string;
  description: string;
  run(context: ScenarioContext): Promise<Figure[]>;
}

export const scaled = (context: ScenarioContext, agents: number): number =>
  Math.max(10, Math.round(agents * context.scale));

export function processesFor(agents: number): number {
  return Math.max(1, Math.ceil(agents / 6500));
}

export async function startOurs(context: ScenarioContext, env: Record<string, string> = {}): Promise<OurServer> {
  const server = await OurServer.start({
    env,
    nodeArgs: context.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${context.profileDir}`] : [],
    cpus: context.serverCpus,
  });
  try {
    await server.createKey();
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** Runs `body` against a freshly started server and always stops it (and our PostgreSQL) after. */
export async function withServer<T>(
  context: ScenarioContext,
  kind: 'baseline' | 'ours',
  body: (server: ServerUnderTest) => Promise<T>,
  env: Record<string, string> = {},
): Promise<T> {
  const server =
    kind === 'baseline' ? await startBaseline(undefined, context.serverCpus) : await startOurs(context, env);
  try {
    return await body(server);
  } finally {
    await server.stop();
    if (server instanceof OurServer) {
      server.removeDataDir();
    }
  }
}

/** One load against a server, with the run's defaults. */
export function loadAgainst(
  context: ScenarioContext,
  server: ServerUnderTest,
  options: Partial<LoadgenOptions> & { agents: number },
): Loadgen {
  const transport = options.transport ?? 'ws';
  return new Loadgen({
    url: transport === 'http' ? server.opampUrl.replace(/^ws/, 'http') : server.opampUrl,
    transport,
    rampPerSecond: 1000,
    heartbeatSeconds: 30,
    durationSeconds: context.durationSeconds,
    key: server.key,
    serverPid: server.pid,
    processes: processesFor(options.agents),
    sourceIps: context.sourceIps,
    ...options,
  });
}

export function describe(summary: LoadgenSummary): string {
  const s = summary.server;
  return (
    `${summary.connected}/${summary.agents} ${summary.transport} agents, errors ${summary.connectErrors.total} ` +
    `${JSON.stringify(summary.connectErrors.byKind)}, ${summary.window.receivedPerSecond} replies/s, ` +
    `handshake p50/p99 ${summary.handshakeMs.p50}/${summary.handshakeMs.p99} ms, ` +
    `RSS ${s.rssIdleKb}→${s.rssEndKb} KB, CPU ${s.cpuMsPer1kMessages} ms/1k msgs` +
    (summary.workersWithoutSamples > 0
      ? ` (${summary.workersWithoutSamples} of ${summary.processes} generator processes sent no samples)`
      : '')
  );
}
