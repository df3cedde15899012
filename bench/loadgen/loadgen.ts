import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { readCpuSeconds, readRssKb, readTreeCpuSeconds } from './process-stats.js';
import { addCounters, distribution, emptyCounters, emptySamples, round, type Counters, type Samples } from './stats.js';
import type { WorkerConfig, WorkerMessage } from './worker-protocol.js';

/** One load generator run: N agents over several processes against any OpAMP URL. */
export interface LoadgenOptions {
  url: string;
  agents: number;
  rampPerSecond: number;
  heartbeatSeconds: number;
  durationSeconds: number;
  transport: 'ws' | 'http';
  key?: string;
  serverPid?: number;
  processes: number;
  sourceIps: string[];
  applyDelayMs?: [number, number];
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

interface Mark {
  at: number;
  counters: Counters;
  cpu: number | null;
  treeCpu: number | null;
}

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));
/** Well under the 20,000 open-files limit of one process, with room for the worker's own files. */
export const MAX_AGENTS_PER_PROCESS = 9000;

export class Loadgen {
  private readonly workers: ChildProcess[] = [];
  private readonly latest: Counters[] = [];
  /** Per worker slot; a worker killed before it reported (a stuck, CPU-starved one) leaves a hole. */
  private readonly finals: Array<{ counters: Counters; samples: Samples } | undefined> = [];
  private rssIdleKb: number | null = null;
  private rssPeakKb: number | null = null;
  private sampler?: NodeJS.Timeout;
  private steady?: Mark;
  private started?: Mark;
  private serverPid?: number;

  constructor(readonly options: LoadgenOptions) {
    this.serverPid = options.serverPid;
  }

  /** Forks the workers; each gets an equal slice of the agents and of the ramp rate. */
  start(): void {
    const o = this.options;
    const processes = Math.max(o.processes, Math.ceil(o.agents / MAX_AGENTS_PER_PROCESS));
    this.rssIdleKb = this.serverPid ? readRssKb(this.serverPid) : null;
    this.rssPeakKb = this.rssIdleKb;
    this.sampler = setInterval(() => this.sampleServer(), 1000);
    this.started = this.mark();
    let firstIndex = 0;
    for (let i = 0; i < processes; i++) {
      const count = Math.floor(o.agents / processes) + (i < o.agents % processes ? 1 : 0);
      const config: WorkerConfig = {
        url: o.url,
        transport: o.transport,
        key: o.key,
        firstIndex,
        count,
        rampPerSecond: o.rampPerSecond / processes,
        heartbeatSeconds: o.heartbeatSeconds,
        // Each worker rotates over all source addresses, so no address carries more than its share.
        sourceIps: o.sourceIps,
        applyDelayMs: o.applyDelayMs ?? [50, 500],
        backoffBaseMs: o.backoffBaseMs ?? 500,
        backoffMaxMs: o.backoffMaxMs ?? 10_000,
        hardLimitSeconds: o.agents / o.rampPerSecond + o.durationSeconds + 600,
      };
      firstIndex += count;
      const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const slot = i;
      this.latest[slot] = emptyCounters();
      child.on('message', (message: WorkerMessage) => {
        this.latest[slot] = message.counters;
        if (message.type === 'final') {
          this.finals[slot] = { counters: message.counters, samples: message.samples };
        }
      });
      child.send({ type: 'start', config });
      this.workers.push(child);
    }
  }

  /** The server restarted (reconnect storm): keep measuring the new process. */
  setServerPid(pid: number): void {
    this.serverPid = pid;
  }

  totals(): Counters {
    return this.latest.reduce((sum, c) => addCounters(sum, c), emptyCounters());
  }

  /** Polls the summed counters until `predicate` holds; false on timeout. */
  async waitFor(predicate: (c: Counters) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (predicate(this.totals())) {
        return true;
      }
      await sleep(250);
    }
    return predicate(this.totals());
  }

  /** Waits for the ramp (all agents connected, or the ramp time plus a grace period). */
  async waitForRamp(graceSeconds = 30): Promise<boolean> {
    const rampMs = (this.options.agents / this.options.rampPerSecond) * 1000;
    return this.waitFor((c) => c.connected >= this.options.agents, rampMs + graceSeconds * 1000);
  }

  /** Starts the measurement window: rates and CPU per message count from here. */
  markSteady(): void {
    this.steady = this.mark();
  }

  /** Stops every worker, gathers their samples and returns the summary. */
  async stop(): Promise<LoadgenSummary> {
    const end = this.mark();
    this.sampleServer();
    const exited = this.workers.map((w) => new Promise((resolve) => w.once('exit', resolve)));
    for (const worker of this.workers) {
      if (worker.connected) {
        worker.send({ type: 'stop' });
      }
    }
    // A worker starved of CPU may take a while to read its stop message and close its sockets.
    const timeout = setTimeout(() => this.kill(), 60_000);
    await Promise.all(exited);
    clearTimeout(timeout);
    clearInterval(this.sampler);
    return this.summarise(this.steady ?? this.started ?? end, end);
  }

  /** Last resort on errors and timeouts: never leave generator processes behind. */
  kill(): void {
    clearInterval(this.sampler);
    for (const worker of this.workers) {
      if (worker.exitCode === null && worker.signalCode === null) {
        worker.kill('SIGKILL');
      }
    }
  }

  /** Runs the whole thing: ramp, a steady window of `durationSeconds`, stop. */
  async run(): Promise<LoadgenSummary> {
    this.start();
    try {
      await this.waitForRamp();
      this.markSteady();
      await sleep(this.options.durationSeconds * 1000);
      return await this.stop();
    } finally {
      this.kill();
    }
  }

  private mark(): Mark {
    const pid = this.serverPid;
    return {
      at: performance.now(),
      counters: this.totals(),
      cpu: pid ? readCpuSeconds(pid) : null,
      treeCpu: pid ? readTreeCpuSeconds(pid) : null,
    };
  }

  private sampleServer(): void {
    const rss = this.serverPid ? readRssKb(this.serverPid) : null;
    if (rss !== null) {
      this.rssPeakKb = Math.max(this.rssPeakKb ?? 0, rss);
    }
  }

  private summarise(from: Mark, to: Mark): LoadgenSummary {
    // A worker that never reported its final counters still counts with its last periodic ones.
    const counters = this.latest.reduce(
      (sum, latest, slot) => addCounters(sum, this.finals[slot]?.counters ?? latest),
      emptyCounters(),
    );
    const samples = emptySamples();
    const withoutSamples = this.latest.filter((_, slot) => !this.finals[slot]).length;
    for (const f of this.finals) {
      if (!f) {
        continue;
      }
      for (const key of Object.keys(samples) as Array<keyof Samples>) {
        for (const value of f.samples[key]) {
          samples[key].push(value);
        }
      }
    }
    const seconds = (to.at - from.at) / 1000;
    const sent = to.counters.sent - from.counters.sent;
    const received = to.counters.received - from.counters.received;
    const cpu = from.cpu !== null && to.cpu !== null ? to.cpu - from.cpu : null;
    const treeCpu = from.treeCpu !== null && to.treeCpu !== null ? to.treeCpu - from.treeCpu : null;
    const rssEndKb = this.serverPid ? readRssKb(this.serverPid) : null;
    const held = to.counters.connected;
    const errors = Object.values(counters.connectErrors).reduce((a, b) => a + b, 0);
    return {
      url: this.options.url,
      transport: this.options.transport,
      agents: this.options.agents,
      processes: this.workers.length,
      workersWithoutSamples: withoutSamples,
      connected: held,
      everConnected: counters.everConnected,
      peakConnected: counters.peakConnected,
      connectErrors: { total: errors, byKind: counters.connectErrors },
      disconnects: counters.disconnects,
      upgrade503: counters.upgrade503,
      reconnects: counters.reconnects,
      handshakeMs: distribution(samples.handshakeMs),
      firstReplyMs: distribution(samples.firstReplyMs),
      pollMs: distribution(samples.pollMs),
      window: {
        seconds: round(seconds),
        sent,
        received,
        sentPerSecond: round(sent / seconds),
        receivedPerSecond: round(received / seconds),
      },
      offers: counters.offers,
      applied: counters.applied,
      applyMs: distribution(samples.applyMs),
      appliedAtEpochMs: samples.appliedAtEpochMs,
      server: {
        pid: this.serverPid ?? null,
        rssIdleKb: this.rssIdleKb,
        rssEndKb,
        rssPeakKb: this.rssPeakKb,
        rssPerAgentKb:
          rssEndKb !== null && this.rssIdleKb !== null && held > 0 ? round((rssEndKb - this.rssIdleKb) / held) : null,
        cpuSeconds: cpu === null ? null : round(cpu),
        cpuMsPer1kMessages: cpu === null || sent === 0 ? null : round((cpu * 1e6) / sent),
        treeCpuMsPer1kMessages: treeCpu === null || sent === 0 ? null : round((treeCpu * 1e6) / sent),
      },
      loadavg: os.loadavg().map((l) => round(l)),
    };
  }
}

export interface LoadgenSummary {
  url: string;
  transport: 'ws' | 'http';
  agents: number;
  processes: number;
  /** Workers killed before reporting their latency samples: distributions miss their agents. */
  workersWithoutSamples: number;
  connected: number;
  everConnected: number;
  peakConnected: number;
  connectErrors: { total: number; byKind: Record<string, number> };
  disconnects: number;
  upgrade503: number;
  reconnects: number;
  handshakeMs: ReturnType<typeof distribution>;
  firstReplyMs: ReturnType<typeof distribution>;
  pollMs: ReturnType<typeof distribution>;
  window: { seconds: number; sent: number; received: number; sentPerSecond: number; receivedPerSecond: number };
  offers: number;
  applied: number;
  applyMs: ReturnType<typeof distribution>;
  appliedAtEpochMs: number[];
  server: {
    pid: number | null;
    rssIdleKb: number | null;
    rssEndKb: number | null;
    rssPeakKb: number | null;
    rssPerAgentKb: number | null;
    cpuSeconds: number | null;
    cpuMsPer1kMessages: number | null;
    treeCpuMsPer1kMessages: number | null;
  };
  loadavg: number[];
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
