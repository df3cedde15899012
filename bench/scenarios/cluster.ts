import fs from 'node:fs';
import path from 'node:path';
import { sleep, type Loadgen } from '../loadgen/loadgen.js';
import { readRssKb } from '../loadgen/process-stats.js';
import { OurServer } from '../support/servers.js';
import { loadAgainst, scaled, startOurs, type ScenarioContext } from './scenario.js';

/** Instances on one PostgreSQL (the first instance's embedded one), a load generator for each. */
export interface Cluster {
  servers: OurServer[];
  loads: Loadgen[];
  count: number;
  perInstance: number;
}

/** Starts the instances and their (not yet started) generators: agents answer offers in 20–200 ms. */
export async function startCluster(context: ScenarioContext): Promise<Cluster> {
  const count = context.instances ?? 2;
  const perInstance = scaled(context, context.agentsPerInstance ?? 15_000);
  // The whole machine ramps at the given rate (default 1,000 new agents/s), shared by the instances.
  const rampPerInstance = (context.rampPerSecond ?? 1000) / count;
  const cluster: Cluster = { servers: [], loads: [], count, perInstance };
  try {
    const first = await startOurs(context, { INSTANCE_ID: 'bench-0' });
    cluster.servers.push(first);
    const password = fs.readFileSync(path.join(first.dataDir, 'postgres-password'), 'utf8').trim();
    const databaseUrl = `postgres://opamp:${encodeURIComponent(password)}@127.0.0.1:${first.postgresPort}/opamp`;
    for (let i = 1; i < count; i++) {
      const server = await OurServer.start({ env: { INSTANCE_ID: `bench-${i}`, DATABASE_URL: databaseUrl } });
      server.key = first.key; // one enrollment key, in the shared database
      cluster.servers.push(server);
    }
    for (const server of cluster.servers) {
      cluster.loads.push(
        loadAgainst(context, server, { agents: perInstance, applyDelayMs: [20, 200], rampPerSecond: rampPerInstance }),
      );
    }
    return cluster;
  } catch (error) {
    await stopCluster(cluster);
    throw error;
  }
}

/** Connects every agent, waits for things to settle and prints what is held. */
export async function rampUp(
  cluster: Cluster,
): Promise<{ rampMs: number; heldBefore: number[]; onlineBefore: number }> {
  const { servers, loads } = cluster;
  const rampStartedAt = Date.now();
  loads.forEach((load) => load.start());
  await Promise.all(loads.map((load) => load.waitForRamp(120)));
  const rampMs = Date.now() - rampStartedAt;
  await sleep(3000);
  const onlineBefore = await servers[0].onlineCount();
  const heldBefore = loads.map((load) => load.totals().connected);
  console.log(
    `  ramp took ${rampMs} ms; held ${heldBefore.join(' + ')} = ${sum(heldBefore)}, API lists ${onlineBefore} online; ` +
      `server RSS ${servers.map((s) => `${Math.round((readRssKb(s.pid) ?? 0) / 1024)} MB`).join(', ')}`,
  );
  return { rampMs, heldBefore, onlineBefore };
}

export async function stopCluster(cluster: Cluster): Promise<void> {
  cluster.loads.forEach((load) => load.kill());
  for (const server of [...cluster.servers].reverse()) {
    await server.stop();
    server.removeDataDir();
  }
}

/**
 * The warnings and errors an instance logged, by message with its numbers taken out ("took N ms"),
 * each with how often it came and the longest duration ("N ms") it carried: what went wrong under this load.
 */
export function problems(logFile: string): string {
  const seen = new Map<string, { count: number; largest?: number }>();
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
    let entry: { level?: number; msg?: string };
    try {
      entry = JSON.parse(line) as { level?: number; msg?: string };
    } catch {
      continue; // not a log line (a Node warning on stderr)
    }
    if ((entry.level ?? 0) < 40) {
      continue;
    }
    const text = (entry.msg ?? '').replace(/[0-9a-f-]{36}/g, '<uid>').slice(0, 80);
    const numbers = [...text.matchAll(/(\d+) ms/g)].map((match) => Number(match[1]));
    const key = text.replace(/\d+/g, 'N');
    const found = seen.get(key) ?? { count: 0 };
    found.count++;
    if (numbers.length > 0) {
      found.largest = Math.max(found.largest ?? numbers[0], ...numbers);
    }
    seen.set(key, found);
  }
  if (seen.size === 0) {
    return 'no warnings';
  }
  const listed = [...seen].map(
    ([key, { count, largest }]) => `"${key}" x${count}${largest === undefined ? '' : ` (longest ${largest} ms)`}`,
  );
  return `warnings ${listed.join(', ')}`;
}

export const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

export async function waitForAll(
  loads: Loadgen[],
  done: (applied: number) => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !done(sum(loads.map((load) => load.totals().applied)))) {
    await sleep(250);
  }
}
