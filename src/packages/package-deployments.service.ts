import { Injectable } from '@nestjs/common';
import { PACKAGE_STATUS_NAMES, type PackageStatuses } from '../opamp/proto/opamp.types.js';
import type { AgentPackageStatusEntity } from './agent-package-status.entity.js';
import type { PackageAssignmentEntity } from './package-assignment.entity.js';
import { PackageDeploymentsRepository, type ReportedStatus } from './package-deployments.repository.js';
import { agentLabelSet, selectorMatches } from '../agents/label-set.js';
import { allPackagesHash, type AgentFacts, type OfferedPackage } from './package-offers.js';
import { InvalidPackageAssignment, PackageAssignmentNotFound, PackageNotFound } from './packages.errors.js';
import { PackagesRepository } from './packages.repository.js';
import { PackagesService } from './packages.service.js';
import { PackageWakeups } from './package-wakeups.js';
import { PackageEvents } from './package-events.js';

export interface AssignmentTarget {
  packageId?: number;
  name?: string;
  version?: string;
  platform?: string;
  arch?: string;
  selector?: Record<string, string>;
  agentIds?: string[];
}

/** The packages one agent should have, and their all_packages_hash (hex). */
export interface DesiredPackages {
  packages: OfferedPackage[];
  allHash: Buffer;
}

/**
 * Another instance's assignment changes reach this one within this time: the assignment list is
 * held in memory so matching an agent costs no query on a heartbeat.
 */
const ASSIGNMENTS_TTL_MS = 5_000;

@Injectable()
export class PackageDeploymentsService {
  private cache?: { loadedAt: number; assignments: PackageAssignmentEntity[] };

  constructor(
    private readonly deployments: PackageDeploymentsRepository,
    private readonly packageRows: PackagesRepository,
    private readonly packages: PackagesService,
    private readonly wakeups: PackageWakeups,
    private readonly events: PackageEvents,
  ) {}

  async assign(target: AssignmentTarget, createdBy: string | null): Promise<PackageAssignmentEntity> {
    const hasSelector = target.selector !== undefined && Object.keys(target.selector).length > 0;
    const hasIds = target.agentIds !== undefined && target.agentIds.length > 0;
    if (hasSelector === hasIds) {
      throw new InvalidPackageAssignment('give either a non-empty selector or a non-empty agent_ids, not both');
    }
    const packageId = await this.resolvePackage(target);
    const assignment = await this.deployments.createAssignment({
      packageId,
      selector: hasSelector ? target.selector! : null,
      agentIds: hasIds ? [...new Set(target.agentIds!.map((id) => id.toLowerCase()))] : null,
      createdBy,
    });
    this.cache = undefined;
    await this.wakeups.changed(`assignment ${assignment.id}`);
    return assignment;
  }

  listAssignments(): Promise<PackageAssignmentEntity[]> {
    return this.deployments.allAssignments();
  }

  async unassign(id: number): Promise<void> {
    if (!(await this.deployments.deleteAssignment(id))) {
      throw new PackageAssignmentNotFound(id);
    }
    this.cache = undefined;
    await this.wakeups.changed(`assignment ${id}`);
  }

  /** Drops the cached assignment list (another instance changed it). */
  forgetAssignments(): void {
    this.cache = undefined;
  }

  /** The newest assigned version of each package name whose assignment matches the agent. */
  async desiredFor(agent: AgentFacts): Promise<DesiredPackages | undefined> {
    const byName = new Map<string, { pkg: OfferedPackage; sortKey: string }>();
    for (const assignment of await this.assignments()) {
      const pkg = assignment.package;
      const matches = assignment.selector
        ? selectorMatches(assignment.selector, agentLabelSet(agent))
        : (assignment.agentIds ?? []).includes(agent.instanceUid);
      if (!pkg || !pkg.isActive || !matches) {
        continue;
      }
      const current = byName.get(pkg.name);
      if (!current || pkg.versionSortKey > current.sortKey) {
        byName.set(pkg.name, {
          sortKey: pkg.versionSortKey,
          pkg: {
            packageId: pkg.id,
            name: pkg.name,
            version: pkg.version,
            checksum: pkg.checksum,
            signature: pkg.signature,
          },
        });
      }
    }
    if (byName.size === 0) {
      return undefined;
    }
    const packages = [...byName.values()].map((entry) => entry.pkg);
    return { packages, allHash: allPackagesHash(packages) };
  }

  /** Stores an agent's PackageStatuses report (replacing its previous one). */
  async recordStatuses(instanceUid: string, report: PackageStatuses): Promise<void> {
    const rows: ReportedStatus[] = Object.entries(report.packages ?? {}).map(([name, status]) => ({
      packageName: name.slice(0, 128),
      agentHasVersion: status.agent_has_version?.slice(0, 128) || null,
      serverOfferedVersion: status.server_offered_version?.slice(0, 128) || null,
      status: PACKAGE_STATUS_NAMES[status.status ?? 0] ?? 'unknown',
      downloadPercent: status.download_details?.download_percent ?? null,
      errorMessage: status.error_message || null,
    }));
    await this.deployments.replaceStatuses(instanceUid, rows);
    rows
      .filter((row) => row.status === 'install_failed')
      .forEach((row) =>
        this.events.emit({
          instanceUid,
          packageName: row.packageName,
          status: row.status,
          errorMessage: row.errorMessage,
        }),
      );
  }

  async statusesOfPackage(packageId: number): Promise<AgentPackageStatusEntity[]> {
    const pkg = await this.packages.get(packageId);
    return this.deployments.statusesOfPackage(pkg.name);
  }

  statusesOfAgent(instanceUid: string): Promise<AgentPackageStatusEntity[]> {
    return this.deployments.statusesOfAgent(instanceUid);
  }

  /**
   * Whether the version an agent has was verified. Agents report name and version only, so every
   * build of that version (all platforms) must be valid for the answer to be valid.
   */
  async installedSignature(
    status: AgentPackageStatusEntity,
  ): Promise<{ status: string; signerFingerprint: string | null } | null> {
    if (!status.agentHasVersion) {
      return null;
    }
    const builds = await this.packageRows.signatureStatusesOf(status.packageName, status.agentHasVersion);
    if (builds.length === 0) {
      return null;
    }
    const notValid = builds.find((b) => b.signatureStatus !== 'valid');
    const chosen = notValid ?? builds[0];
    return { status: chosen.signatureStatus, signerFingerprint: chosen.signerFingerprint };
  }

  private async assignments(): Promise<PackageAssignmentEntity[]> {
    if (!this.cache || Date.now() - this.cache.loadedAt > ASSIGNMENTS_TTL_MS) {
      this.cache = { loadedAt: Date.now(), assignments: await this.deployments.allAssignments() };
    }
    return this.cache.assignments;
  }

  private async resolvePackage(target: AssignmentTarget): Promise<number> {
    if (target.packageId !== undefined) {
      return (await this.packages.get(target.packageId)).id;
    }
    if (!target.name || !target.version) {
      throw new InvalidPackageAssignment('name the package by package_id, or by name and version');
    }
    const { name, version, platform, arch } = target;
    const found = await this.packageRows.findByNameAndVersion({ name, version, platform, arch });
    if (found.length === 0) {
      throw new PackageNotFound(`"${name}" ${version}`);
    }
    if (found.length > 1) {
      throw new InvalidPackageAssignment(
        `"${name}" ${version} exists for ${found.length} platforms: give platform and arch, or package_id`,
      );
    }
    return found[0].id;
  }
}
