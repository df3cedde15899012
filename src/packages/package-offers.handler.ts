import { Injectable, Logger } from '@nestjs/common';
import type { AgentMessageContext, AgentMessageHandler } from '../opamp/agent-message-handlers.js';
import {
  AgentCapabilities,
  PackageType,
  type PackageAvailable,
  type ServerToAgentDraft,
} from '../opamp/proto/opamp.types.js';
import { AgentPackageUrls } from './agent-package-urls.js';
import { packageHash } from './package-offers.js';
import { PackageDeploymentsService } from './package-deployments.service.js';

/**
 * Offers assigned packages to agents that accept them, and records the PackageStatuses they
 * report. An offer goes out when the agent's server_provided_all_packages_hash differs from the
 * desired one, once per connection (or again when the agent reports statuses that still differ),
 * so heartbeats stay cheap: matching runs in memory on the cached assignment list.
 */
@Injectable()
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
    if ((agent.capabilities & AgentCapabilities.AcceptsPackages) === 0) {
      return;
    }
    const desired = await this.deployments.desiredFor({
      instanceUid: uid,
      labels: agent.labels,
      identifyingAttributes: agent.identifyingAttributes,
      nonIdentifyingAttributes: agent.nonIdentifyingAttributes,
    });
    if (!desired) {
      return;
    }
    const desiredHex = desired.allHash.toString('hex');
    if (this.reported.get(uid) === desiredHex || (this.offered.get(uid) === desiredHex && !statuses)) {
      return;
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
    reply.packages_available = { packages, all_packages_hash: desired.allHash };
    this.offered.set(uid, desiredHex);
  }

  async disconnected(instanceUid: string): Promise<void> {
    this.offered.delete(instanceUid);
    this.reported.delete(instanceUid);
    return Promise.resolve();
  }
}
