import http from 'node:http';
import { OpampCodec } from '../../src/opamp/proto/opamp-codec.js';
import { HttpAgentConnection } from './http-agent.js';
import { emptyCounters, emptySamples } from './stats.js';
import type { AgentConnection, TransportEnv } from './transport.js';
import type { ParentMessage, WorkerConfig, WorkerMessage } from './worker-protocol.js';
import { WsAgentConnection } from './ws-agent.js';

/**
 * A forked child running a slice of the simulated agents: each process stays well under the
 * 20,000 open-files limit. It ramps its agents at its share of the rate, reports counters every
 * 500 ms, and on `stop` (or when its parent disappears) closes everything and sends its samples.
 */
const send = (message: WorkerMessage): Promise<void> =>
  new Promise((resolve) => {
    if (!process.send || !process.connected) {
      resolve();
      return;
    }
    process.send(message, undefined, {}, () => resolve());
  });

function run(config: WorkerConfig): void {
  const env: TransportEnv = {
    url: new URL(config.url),
    headers: config.key ? { Authorization: `Bearer ${config.key}` } : {},
    codec: new OpampCodec(),
    heartbeatMs: config.heartbeatSeconds * 1000,
    backoffBaseMs: config.backoffBaseMs,
    backoffMaxMs: config.backoffMaxMs,
    stopping: false,
    counters: emptyCounters(),
    samples: emptySamples(),
    seen: { apply: { n: 0 }, appliedAt: { n: 0 } },
    applyDelayMs: config.applyDelayMs,
  };
  const pool = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const agents: AgentConnection[] = [];
  const ips = config.sourceIps.length > 0 ? config.sourceIps : [undefined];
  const make = (index: number): AgentConnection => {
    const ip = ips[index % ips.length];
    return config.transport === 'http'
      ? new HttpAgentConnection(index, env, ip, pool)
      : new WsAgentConnection(index, env, ip);
  };

  // Ramp in 20 ms slices: a per-agent timer would cost as much as the agents themselves.
  const startedAt = performance.now();
  const ramp = setInterval(() => {
    const due = Math.min(config.count, Math.ceil(((performance.now() - startedAt) / 1000) * config.rampPerSecond));
    while (agents.length < due) {
      const agent = make(config.firstIndex + agents.length);
      agents.push(agent);
      agent.start();
    }
    if (agents.length >= config.count) {
      clearInterval(ramp);
    }
  }, 20);

  const report = setInterval(() => void send({ type: 'counters', counters: env.counters }), 500);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) {
      return;
    }
    stopped = true;
    env.stopping = true;
    clearInterval(ramp);
    clearInterval(report);
    for (const agent of agents) {
      agent.stop();
    }
    pool.destroy();
    await send({ type: 'final', counters: env.counters, samples: env.samples });
    process.exit(0);
  };
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stop') {
      void stop();
    }
  });
  // Never outlive the parent, nor the run's hard limit.
  process.on('disconnect', () => process.exit(0));
  setTimeout(() => void stop(), config.hardLimitSeconds * 1000).unref();
}

process.once('message', (message: ParentMessage) => {
  if (message.type === 'start') {
    run(message.config);
  }
});
