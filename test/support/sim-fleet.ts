import { RemoteConfigStatuses, type ServerToAgent } from '../../src/opamp/proto/opamp.types.js';
import { eventually } from './eventually.js';
import { description, newUid, uidText, WsTestAgent } from './opamp-agents.js';

/** How a simulated agent answers a remote config offer. */
export type Answer = 'apply' | 'fail' | 'ignore';

/**
 * A WebSocket agent that behaves like a Collector: it answers every offer (APPLIED by default),
 * heartbeats on its own, and keeps a log of the hashes it was offered, so a test can tell what
 * was offered how many times.
 */
export class SimAgent {
  readonly offers: string[] = [];
  answer: Answer = 'apply';
  /** The hash it runs (last APPLIED). */
  running: string | null = null;
  private timer?: NodeJS.Timeout;
  private seen = 0;

  private constructor(
    readonly agent: WsTestAgent,
    readonly id: string,
  ) {}

  static async connect(
    opampUrl: string,
    key: string,
    name: string,
    labels: Record<string, string>,
    uid = newUid(),
  ): Promise<SimAgent> {
    const agent = await WsTestAgent.connect(opampUrl, key, uid);
    const sim = new SimAgent(agent, uidText(uid));
    agent.ws.on('message', () => setImmediate(() => sim.drain()));
    await agent.exchange({ agent_description: description(name, labels), health: { healthy: true } });
    sim.drain();
    return sim;
  }

  /** Heartbeats every `ms` until closed. */
  heartbeat(ms: number): this {
    this.timer = setInterval(() => this.send({}), ms);
    this.timer.unref();
    return this;
  }

  /** Reports its health (a Collector's ComponentHealth at the top level). */
  setHealthy(healthy: boolean): void {
    this.send({ health: { healthy, status: healthy ? 'ok' : 'exporter failing' } });
  }

  offeredCount(hash: string): number {
    return this.offers.filter((h) => h === hash).length;
  }

  close(): void {
    clearInterval(this.timer);
    this.agent.close();
  }

  private send(message: Parameters<WsTestAgent['send']>[0]): void {
    if (this.agent.closeCode === undefined && this.agent.ws.readyState === this.agent.ws.OPEN) {
      this.agent.send(message);
    }
  }

  private drain(): void {
    while (this.seen < this.agent.received.length) {
      this.onMessage(this.agent.received[this.seen]);
      this.seen += 1;
    }
  }

  private onMessage(message: ServerToAgent): void {
    const hashBytes = message.remote_config?.config_hash;
    if (!hashBytes || hashBytes.length === 0) {
      return;
    }
    const hash = Buffer.from(hashBytes).toString('hex');
    this.offers.push(hash);
    this.reply(hash);
  }

  /** Answers the last offer (one it ignored) as `answer` now says. */
  answerLast(): void {
    const hash = this.offers.at(-1);
    if (hash) {
      this.reply(hash);
    }
  }

  private reply(hash: string): void {
    if (this.answer === 'ignore') {
      return;
    }
    const status = this.answer === 'apply' ? RemoteConfigStatuses.APPLIED : RemoteConfigStatuses.FAILED;
    if (this.answer === 'apply') {
      this.running = hash;
    }
    this.send({
      remote_config_status: {
        last_remote_config_hash: Buffer.from(hash, 'hex'),
        status,
        error_message: this.answer === 'fail' ? 'pipeline refused' : '',
      },
    });
  }
}

/** Connects `count` agents carrying `labels` (plus `sim=<index>`). */
export async function connectFleet(
  opampUrl: string,
  key: string,
  count: number,
  labels: Record<string, string>,
  heartbeatMs = 500,
): Promise<SimAgent[]> {
  const fleet: SimAgent[] = [];
  for (let i = 0; i < count; i += 10) {
    const batch = Array.from({ length: Math.min(10, count - i) }, (_, j) =>
      SimAgent.connect(opampUrl, key, `sim-${i + j}`, { ...labels, sim: String(i + j) }),
    );
    fleet.push(...(await Promise.all(batch)));
  }
  return fleet.map((agent) => agent.heartbeat(heartbeatMs));
}

/** Waits until a condition on local state holds (the agents' own view), polling briefly. */
export function until(check: () => boolean, timeoutMs = 5000): Promise<true> {
  return eventually(() => Promise.resolve(check() || undefined), timeoutMs);
}
