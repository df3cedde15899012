import {
  AgentCapabilities,
  PackageStatusEnum,
  type PackageStatus,
  type ServerToAgent,
} from '../../src/opamp/proto/opamp.types.js';
import { BASIC_CAPABILITIES, description, newUid, uidText, WsTestAgent } from './opamp-agents.js';

const PACKAGE_CAPABILITIES =
  BASIC_CAPABILITIES | AgentCapabilities.AcceptsPackages | AgentCapabilities.ReportsPackageStatuses;

/** How a simulated agent answers a package offer ('ignore': it logs the offer and says nothing). */
export type PackageAnswer = 'install' | 'fail' | 'ignore';

/**
 * A WebSocket agent that installs the packages it is offered (or fails to) and reports its
 * PackageStatuses like a real agent would; it logs every offer as `name@version`, so a test can
 * tell who was offered what, and how many times.
 */
export class PackageSimAgent {
  readonly offers: string[] = [];
  answer: PackageAnswer = 'install';
  private timer?: NodeJS.Timeout;
  private seen = 0;

  private constructor(
    readonly agent: WsTestAgent,
    readonly id: string,
    /** Package name → version installed. */
    readonly installed: Map<string, string>,
  ) {}

  static async connect(
    opampUrl: string,
    key: string,
    name: string,
    labels: Record<string, string>,
    installed: Record<string, string>,
  ): Promise<PackageSimAgent> {
    const agent = await WsTestAgent.connect(opampUrl, key, newUid());
    const sim = new PackageSimAgent(agent, uidText(agent.uid), new Map(Object.entries(installed)));
    agent.ws.on('message', () => setImmediate(() => sim.drain()));
    await agent.exchange({
      capabilities: PACKAGE_CAPABILITIES,
      agent_description: description(name, labels),
      health: { healthy: true },
      package_statuses: { packages: sim.statuses(), server_provided_all_packages_hash: new Uint8Array() },
    });
    sim.drain();
    return sim;
  }

  heartbeat(ms: number): this {
    this.timer = setInterval(() => this.send({}), ms);
    this.timer.unref();
    return this;
  }

  setHealthy(healthy: boolean): void {
    this.send({ health: { healthy, status: healthy ? 'ok' : 'exporter failing' } });
  }

  offeredCount(nameAtVersion: string): number {
    return this.offers.filter((o) => o === nameAtVersion).length;
  }

  close(): void {
    clearInterval(this.timer);
    this.agent.close();
  }

  private send(message: Parameters<WsTestAgent['send']>[0]): void {
    if (this.agent.closeCode === undefined && this.agent.ws.readyState === this.agent.ws.OPEN) {
      this.agent.send({ capabilities: PACKAGE_CAPABILITIES, ...message });
    }
  }

  private drain(): void {
    while (this.seen < this.agent.received.length) {
      this.onMessage(this.agent.received[this.seen]);
      this.seen += 1;
    }
  }

  private statuses(failed: Record<string, string> = {}): Record<string, PackageStatus> {
    const packages: Record<string, PackageStatus> = {};
    for (const [name, version] of this.installed) {
      packages[name] = { name, agent_has_version: version, status: PackageStatusEnum.Installed };
    }
    for (const [name, offered] of Object.entries(failed)) {
      packages[name] = {
        name,
        agent_has_version: this.installed.get(name) ?? '',
        server_offered_version: offered,
        status: PackageStatusEnum.InstallFailed,
        error_message: 'checksum mismatch',
      };
    }
    return packages;
  }

  private onMessage(message: ServerToAgent): void {
    const available = message.packages_available;
    if (!available) {
      return;
    }
    const failed: Record<string, string> = {};
    for (const [name, pkg] of Object.entries(available.packages ?? {})) {
      const version = pkg.version ?? '';
      this.offers.push(`${name}@${version}`);
      if (this.answer === 'ignore') {
        continue;
      }
      if (this.answer === 'fail') {
        failed[name] = version;
      } else {
        this.installed.set(name, version);
      }
    }
    if (this.answer === 'ignore') {
      return;
    }
    this.send({
      package_statuses: {
        packages: this.statuses(failed),
        server_provided_all_packages_hash: available.all_packages_hash ?? new Uint8Array(),
      },
    });
  }
}

/** Connects `count` package agents carrying `labels` (plus `sim=<index>`), each with `installed`. */
export async function connectPackageFleet(
  opampUrl: string,
  key: string,
  count: number,
  labels: Record<string, string>,
  installed: Record<string, string>,
  heartbeatMs = 500,
): Promise<PackageSimAgent[]> {
  const fleet = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      PackageSimAgent.connect(opampUrl, key, `pkg-${i}`, { ...labels, sim: String(i) }, installed),
    ),
  );
  return fleet.map((agent) => agent.heartbeat(heartbeatMs));
}
