import { Injectable, Logger } from '@nestjs/common';
import { AgentMessageHandler, type AgentMessageContext, type AgentSnapshot } from '../opamp/agent-message-handlers.js';
import { HandlerOrder } from '../opamp/handler-order.js';
import { OpampGateway } from '../opamp/opamp-gateway.js';
import {
  ServerCapabilities,
  AgentCapabilities,
  PackageType,
  type PackageAvailable,
  type PackagesAvailable,
  type ServerToAgentDraft,
} from '../opamp/proto/opamp.types.js';
import { AgentPackageUrls } from './agent-package-urls.js';
import { packageHash } from './package-offers.js';
import { PackageDeploymentsService } from './package-deployments.service.js';

/**
 * Offers assigned packages to agents that accept them, and records the PackageStatuses they
 * report. An offer goes out when the agent's server_provided_all_packages_hash differs from the
 * desired one, once per connection (or again when the agent reports statuses that still differ),
 * so heartbeats stay cheap: matching runs in memory on the cached assignment list. When
 * assignments change, `offerToConnected` sends the new set at once to the agents held here.
 */
/** Offers sent in parallel per batch when a wake-up reaches many agents at once. */
const SEND_BATCH = 256;

@Injectable()
@AgentMessageHandler(HandlerOrder.Packages, {
  capabilities: ServerCapabilities.OffersPackages | ServerCapabilities.AcceptsPackagesStatus,
})
export class PackageOffersHandler implements AgentMessageHandler {
  readonly name = 'packages';
  private readonly logger = new Logger(PackageOffersHandler.name);
  /** Hex of the all_packages_hash each agent last reported. */
  private readonly reported = new Map<string, string>();
  /** Hex of the all_packages_hash last offered on the agent's current connection. */
  private readonly offered = new Map<string, string>();

  constructor(
    private readonly deployments: PackageDeploymentsService,
    private readonly urls: AgentPackageUrls,
    private readonly gateway: OpampGateway,
  ) {}

  async handle(context: AgentMessageContext, reply: ServerToAgentDraft): Promise<void> {
    const { agent, message } = context;
    const uid = agent.instanceUid;
    if (context.firstMessage) {
      this.offered.delete(uid);
    }
    const statuses = message.package_statuses;
    if (statuses) {
      this.reported.set(uid, Buffer.from(statuses.server_provided_all_packages_hash ?? []).toString('hex'));
      await this.deployments.recordStatuses(uid, statuses).catch((error: unknown) => {
        this.logger.warn({ err: error, agent: uid }, 'Could not store package statuses');
      });
    }
    // A statuses report that still differs from the desired set gets the offer again.
    const offer = await this.offerFor(agent, statuses !== undefined);
    if (offer) {
      reply.packages_available = offer;
    }
  }

  /**
   * Offers the current set at once to the WebSocket agents held here whose desired packages
   * differ from what they have and were last offered (after an assignment or package changed,
   * here or on another instance). Returns how many were sent an offer.
   */
  async offerToConnected(instanceUids?: string[]): Promise<number> {
    const held = this.gateway.heldWebSocketAgents();
    const wanted = instanceUids && new Set(instanceUids);
    let sent = 0;
    let batch: Array<Promise<boolean>> = [];
    for (const agent of held) {
      if (wanted && !wanted.has(agent.instanceUid)) {
        continue;
      }
      const offer = await this.offerFor(agent, false);
      if (offer) {
        batch.push(this.gateway.send(agent.instanceUid, { packages_available: offer }));
      }
      if (batch.length >= SEND_BATCH) {
        sent += (await Promise.all(batch)).filter(Boolean).length;
        batch = [];
      }
    }
    return sent + (await Promise.all(batch)).filter(Boolean).length;
  }

  /** The PackagesAvailable to send this agent now, if any; notes it as offered. */
  private async offerFor(agent: AgentSnapshot, reportedJustNow: boolean): Promise<PackagesAvailable | undefined> {
    if ((agent.capabilities & AgentCapabilities.AcceptsPackages) === 0) {
      return undefined;
    }
    const uid = agent.instanceUid;
    const desired = await this.deployments.desiredFor({
      instanceUid: uid,
      labels: agent.labels,
      identifyingAttributes: agent.identifyingAttributes,
      nonIdentifyingAttributes: agent.nonIdentifyingAttributes,
    });
    if (!desired) {
      return undefined;
    }
    const desiredHex = desired.allHash.toString('hex');
    if (this.reported.get(uid) === desiredHex || (this.offered.get(uid) === desiredHex && !reportedJustNow)) {
      return undefined;
    }
    const packages: Record<string, PackageAvailable> = {};
    for (const pkg of desired.packages) {
      packages[pkg.name] = {
        type: PackageType.TopLevel,
        version: pkg.version,
        file: {
          download_url: this.urls.downloadUrl(pkg.packageId),
          content_hash: Buffer.from(pkg.checksum, 'hex'),
          signature: pkg.signature ?? undefined,
        },
        hash: packageHash(pkg),
      };
    }
    this.offered.set(uid, desiredHex);
    return { packages, all_packages_hash: desired.allHash };
  }

  async disconnected(instanceUid: string): Promise<void> {
    this.offered.delete(instanceUid);
    this.reported.delete(instanceUid);
    return Promise.resolve();
  }
}
