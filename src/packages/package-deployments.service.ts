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
import type { HeldAssignmentsSource, HeldReach } from './held-assignments.js';
import type { PackageEntity } from './package.entity.js';

/** The assignment list as matched in memory, with what held ones reach. */
interface LoadedAssignments {
  loadedAt: number;
  assignments: PackageAssignmentEntity[];
  reach: Map<number, HeldReach>;
  /** The builds rolled-back agents go back to, by package id. */
  reverts: Map<number, PackageEntity>;
}

export interface AssignmentTarget {
  packageId?: number;
  name?: string;
  version?: string;
  platform?: string;
  arch?: string;
  selector?: Record<string, string>;
  agentIds?: string[];
  /** Held for a rollout: offered to nobody until its stages reach them. */
  hold?: boolean;
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
  private cache?: LoadedAssignments;
  /** Bumped on every change, so a load that raced with a change is not kept. */
  private generation = 0;
  private loading?: { generation: number; promise: Promise<LoadedAssignments> };
  private held?: HeldAssignmentsSource;

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
      held: target.hold ?? false,
      createdBy,
    });
    this.invalidate();
    await this.wakeups.changed(`assignment ${assignment.id}`);
    return assignment;
  }

  /** Rollouts say which agents a held assignment reaches (one source; registered at start). */
  registerHeldSource(source: HeldAssignmentsSource): void {
    this.held = source;
  }

  async getAssignment(id: number): Promise<PackageAssignmentEntity> {
    const assignment = await this.deployments.findAssignment(id);
    if (!assignment) {
      throw new PackageAssignmentNotFound(id);
    }
    return assignment;
  }

  /** A held assignment's rollout completed: every agent it names is offered its package now. */
  async release(id: number): Promise<void> {
    await this.deployments.releaseAssignment(id);
    await this.reachChanged(`assignment ${id} released`);
  }

  /** A rollout moved a held assignment's reach (a stage offered, agents rolled back): offer the new sets now. */
  async reachChanged(what: string): Promise<void> {
    this.invalidate();
    await this.wakeups.changed(what);
  }

  listAssignments(): Promise<PackageAssignmentEntity[]> {
    return this.deployments.allAssignments();
  }

  async unassign(id: number): Promise<void> {
    if (!(await this.deployments.deleteAssignment(id))) {
      throw new PackageAssignmentNotFound(id);
    }
    this.invalidate();
    await this.wakeups.changed(`assignment ${id}`);
  }

  /** Drops the cached assignment list (another instance changed it). */
  forgetAssignments(): void {
    this.invalidate();
  }

  /** The newest assigned version of each package name whose assignment matches the agent. */
  async desiredFor(agent: AgentFacts): Promise<DesiredPackages | undefined> {
    const byName = new Map<string, { pkg: OfferedPackage; sortKey: string }>();
    const loaded = await this.assignments();
    for (const assignment of loaded.assignments) {
      const matches = assignment.selector
        ? selectorMatches(assignment.selector, agentLabelSet(agent))
        : (assignment.agentIds ?? []).includes(agent.instanceUid);
      const pkg = matches ? this.reachedPackage(loaded, assignment, agent.instanceUid) : undefined;
      if (!pkg || !pkg.isActive) {
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

  /**
   * The package an assignment gives this agent: its own, unless it is held — then only once a
   * rollout reached the agent, or the build the agent had before when a rollout rolled it back.
   */
  private reachedPackage(
    loaded: LoadedAssignments,
    assignment: PackageAssignmentEntity,
    uid: string,
  ): PackageEntity | undefined {
    if (!assignment.held) {
      return assignment.package;
    }
    const reach = loaded.reach.get(assignment.id);
    const revert = reach?.reverted.get(uid);
    if (revert !== undefined) {
      return loaded.reverts.get(revert);
    }
    return reach?.agents.has(uid) ? assignment.package : undefined;
  }

  /**
   * The cached list, or one load shared by every caller while it runs (after a change, a burst
   * of heartbeats would otherwise each run the same queries). A load that raced with a change
   * serves its callers but is not kept.
   */
  private assignments(): Promise<LoadedAssignments> {
    if (this.cache && Date.now() - this.cache.loadedAt <= ASSIGNMENTS_TTL_MS) {
      return Promise.resolve(this.cache);
    }
    if (this.loading?.generation === this.generation) {
      return this.loading.promise;
    }
    const generation = this.generation;
    const promise = this.load()
      .then((loaded) => {
        if (generation === this.generation) {
          this.cache = loaded;
        }
        return loaded;
      })
      .finally(() => {
        if (this.loading?.promise === promise) {
          this.loading = undefined;
        }
      });
    this.loading = { generation, promise };
    return promise;
  }

  private async load(): Promise<LoadedAssignments> {
    const loadedAt = Date.now();
    const assignments = await this.deployments.allAssignments();
    const heldIds = assignments.filter((a) => a.held).map((a) => a.id);
    const reach = heldIds.length > 0 && this.held ? await this.held.reachOf(heldIds) : new Map<number, HeldReach>();
    const revertIds = new Set([...reach.values()].flatMap((r) => [...r.reverted.values()]));
    const reverts = new Map<number, PackageEntity>();
    for (const id of revertIds) {
      const pkg = await this.packageRows.findById(id);
      if (pkg) {
        reverts.set(id, pkg);
      }
    }
    return { loadedAt, assignments, reach, reverts };
  }

  private invalidate(): void {
    this.cache = undefined;
    this.generation += 1;
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
