import { Injectable } from '@nestjs/common';
import crypto from 'node:crypto';
import { policyProblem, withDefaultGates, type RolloutPolicy } from '../configurations/rollout-policy.js';
import { PackageNotFound } from '../packages/packages.errors.js';
import { PackageDeploymentsService } from '../packages/package-deployments.service.js';
import { PackageRolloutsRepository } from './package-rollouts.repository.js';
import { LEASE_SECONDS, RolloutEngine } from './rollout-engine.js';
import { RolloutEvents } from './rollout-events.js';
import { assignStages } from './rollout-plan.js';
import type { PackageRollout } from './rollout.types.js';
import { RolloutAlreadyActive, RolloutAssignmentNotHeld, RolloutInvalid } from './rollouts.errors.js';
import { RolloutsRepository } from './rollouts.repository.js';

const DEFAULT_BAKE_SECONDS = 60;
const DEFAULT_APPLY_TIMEOUT_SECONDS = 300;

/** A rollout of the package version a held package assignment offers. */
export interface PackageRolloutRequest extends RolloutPolicy {
  package_assignment: number;
}

/**
 * Starts package rollouts. The assignment must be held (created with `hold: true`): otherwise its
 * package is offered to every agent it names already and there is nothing left to stage.
 */
@Injectable()
export class PackageRolloutsService {
  constructor(
    private readonly repository: PackageRolloutsRepository,
    private readonly rollouts: RolloutsRepository,
    private readonly deployments: PackageDeploymentsService,
    private readonly engine: RolloutEngine,
    private readonly events: RolloutEvents,
  ) {}

  async create(request: PackageRolloutRequest, by: string | null): Promise<PackageRollout> {
    const problem = policyProblem(request);
    if (problem) {
      throw new RolloutInvalid(problem);
    }
    const assignment = await this.deployments.getAssignment(request.package_assignment);
    const pkg = assignment.package;
    if (!pkg) {
      throw new PackageNotFound(String(assignment.packageId));
    }
    if (!assignment.held) {
      throw new RolloutAssignmentNotHeld(assignment.id);
    }
    const subject = `Package assignment ${assignment.id} (${pkg.name}@${pkg.version})`;
    const active = await this.repository.findActiveId(assignment.id);
    if (active) {
      throw new RolloutAlreadyActive(subject, active);
    }
    const id = crypto.randomUUID();
    const targets = await this.repository.findTargets(assignment, pkg);
    const staged = assignStages(request.plan, id, targets);
    const previous = new Map(targets.map((t) => [t.instanceUid, t]));
    const inserted = await this.repository.insert({
      id,
      assignmentId: assignment.id,
      packageId: pkg.id,
      packageName: pkg.name,
      packageVersion: pkg.version,
      plan: request.plan,
      gates: withDefaultGates(request.gates),
      bakeSeconds: request.bake_seconds ?? DEFAULT_BAKE_SECONDS,
      applyTimeoutSeconds: request.apply_timeout_seconds ?? DEFAULT_APPLY_TIMEOUT_SECONDS,
      autoRollback: request.auto_rollback ?? false,
      stageCount: Math.max(1, staged.stageCount),
      createdBy: by,
      leaseOwner: this.engine.instanceId,
      leaseSeconds: LEASE_SECONDS,
      agents: staged.agents.map((a) => ({
        ...a,
        previousVersion: previous.get(a.instanceUid)?.previousVersion ?? null,
        previousPackageId: previous.get(a.instanceUid)?.previousPackageId ?? null,
      })),
    });
    if (!inserted) {
      // Another request won the race for the one active rollout.
      throw new RolloutAlreadyActive(subject, (await this.repository.findActiveId(assignment.id)) ?? 'unknown');
    }
    const rollout = (await this.rollouts.findById(id)) as PackageRollout;
    this.events.emit({
      rolloutId: id,
      configurationId: null,
      packageAssignmentId: assignment.id,
      status: rollout.status,
      stage: rollout.currentStage,
      phase: rollout.phase,
      change: 'created',
    });
    this.engine.kick();
    return rollout;
  }
}
