import { Injectable, OnModuleInit } from '@nestjs/common';
import { PackageDeploymentsService } from '../packages/package-deployments.service.js';
import { PackageRolloutsRepository } from './package-rollouts.repository.js';
import type { GateInputs, GateName } from './rollout-gates.js';
import type { PackageRollout } from './rollout.types.js';
import { RolloutsRepository } from './rollouts.repository.js';

/**
 * What the engine does differently for a package rollout. Its assignment is held: who is offered
 * the package follows the rollout's agent states (see PackageRolloutsRepository.reachOf), so
 * offering a stage or rolling agents back is a change of those states plus a wake-up of the
 * instances, which then offer the new package sets to their agents at once.
 */
@Injectable()
export class PackageRolloutSteps implements OnModuleInit {
  constructor(
    private readonly repository: PackageRolloutsRepository,
    private readonly rollouts: RolloutsRepository,
    private readonly deployments: PackageDeploymentsService,
  ) {}

  onModuleInit(): void {
    this.deployments.registerHeldSource({ reachOf: (ids) => this.repository.reachOf(ids) });
  }

  /** The stage's agents are marked offered already: make every instance offer them the package. */
  offer(r: PackageRollout): Promise<void> {
    return this.deployments.reachChanged(`rollout ${r.id} stage ${r.currentStage + 1}`);
  }

  settle(r: PackageRollout): Promise<number> {
    return this.repository.settleStage(r, r.applyTimeoutSeconds);
  }

  gateInputs(r: PackageRollout): Promise<GateInputs & { offenders: Record<GateName, string[]> }> {
    return this.repository.gateInputs(r);
  }

  /** The last stage passed: the assignment is offered to every agent it names, late joiners too. */
  async release(r: PackageRollout): Promise<void> {
    if (r.package.assignmentId !== null) {
      await this.deployments.release(r.package.assignmentId);
    }
  }

  /**
   * The rolled-back agents (already marked) are offered the build they had before, when the
   * server stores it; the rollout's reason says how many had none to go back to.
   */
  async rollBack(r: PackageRollout, count: number): Promise<void> {
    await this.deployments.reachChanged(`rollout ${r.id} rolled back`);
    const unknown = await this.repository.rolledBackWithoutPrevious(r.id);
    const subject = `${r.package.name}@${r.package.version}`;
    const current = await this.rollouts.findById(r.id);
    // The previous versions are offered through the held assignment: without it, nothing is.
    const outcome = !current?.package?.assignmentId
      ? `the package assignment was deleted: ${count} agent(s) are offered neither ${subject} nor their previous version`
      : unknown === 0
        ? `${count} agent(s) offered their previous version of ${r.package.name} again`
        : `${count - unknown} agent(s) offered their previous version of ${r.package.name} again; ` +
          `${unknown} with no known previous version (none reported, or not stored here) are no longer offered ${subject}`;
    await this.rollouts.updateIf(r.id, ['rolled_back'], {
      reason: current?.reason ? `${current.reason}; ${outcome}` : outcome,
    });
  }
}
