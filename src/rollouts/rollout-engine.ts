import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InstanceIdentity } from '../agents/instance-identity.js';
import { ApplyHistoryService } from '../configurations/apply-history.service.js';
import { ConfigPushService } from '../configurations/config-push.service.js';
import { ConfigurationNotFound } from '../configurations/configurations.errors.js';
import { PackageRolloutSteps } from './package-rollout.steps.js';
import { RolloutEvents } from './rollout-events.js';
import { evaluateGates, type GateName, type GateResult } from './rollout-gates.js';
import type { Rollout, RolloutPhase, StageGateResults } from './rollout.types.js';
import { RolloutsRepository, type RolloutChange } from './rollouts.repository.js';

/** How often the engine looks at its rollouts (and renews their leases). */
const TICK_MS = 1000;
/** A lease not renewed for this long is taken over by another instance. */
export const LEASE_SECONDS = 5;
/** Phases one rollout may go through in one pass (offer, wait, bake and the next stage's offer). */
const PHASES_PER_STEP = 4;

/**
 * Advances running rollouts: offer a stage, wait for its agents' answers, bake, evaluate the
 * gates, go on (or pause / roll back). Every instance runs it; each rollout is advanced by the one
 * holding its lease, and every write is fenced by that lease, so an instance that lost it (it
 * stalled, or another took over after it died) cannot move the rollout any more. Gates read stored
 * state only: their cost does not grow with heartbeats.
 */
@Injectable()
export class RolloutEngine implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('RolloutEngine');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  /** Counts the changes this engine wrote: a step that wrote one goes on to the next phase. */
  private changes = 0;

  constructor(
    private readonly rollouts: RolloutsRepository,
    private readonly push: ConfigPushService,
    private readonly applies: ApplyHistoryService,
    private readonly events: RolloutEvents,
    private readonly identity: InstanceIdentity,
    private readonly packages: PackageRolloutSteps,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), TICK_MS);
    this.timer.unref();
  }

  /** Runs a pass now unless one is running (a new rollout's first stage need not wait for the tick). */
  kick(): void {
    if (!this.stopped) {
      this.running ??= this.tick().finally(() => (this.running = undefined));
    }
  }

  get instanceId(): string {
    return this.identity.id;
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over the rollouts this instance holds (public so tests can drive it). */
  async tick(): Promise<void> {
    // Before the leases are taken: they run from then.
    const passStartedAt = Date.now();
    let ids: string[];
    try {
      ids = await this.rollouts.acquireLeases(this.identity.id, LEASE_SECONDS);
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not take rollout leases');
      return;
    }
    for (const id of ids) {
      if (this.stopped) {
        return;
      }
      try {
        await this.step(id, passStartedAt);
      } catch (error) {
        this.logger.warn({ err: error, rolloutId: id }, 'Rollout step failed; retried at the next tick');
      }
    }
  }

  /**
   * Runs the rollout's phase, and the next one at once while a phase moves it on (a stage whose
   * bake passed offers the next stage in the same pass, not a tick later), a few at most. Only
   * in the first half of the leases the pass took: a pass that ran long (a push to a large stage)
   * leaves the next phase to the next pass, which renews them.
   */
  private async step(id: string, passStartedAt: number): Promise<void> {
    for (let phases = 0; phases < PHASES_PER_STEP && !this.stopped; phases += 1) {
      if (phases > 0 && Date.now() - passStartedAt >= (LEASE_SECONDS * 1000) / 2) {
        return;
      }
      const changesBefore = this.changes;
      await this.stepOnce(id);
      if (this.changes === changesBefore) {
        return;
      }
    }
  }

  private async stepOnce(id: string): Promise<void> {
    const rollout = await this.rollouts.findById(id);
    if (!rollout || rollout.status !== 'running' || rollout.leaseOwner !== this.identity.id) {
      return;
    }
    if (rollout.package && rollout.package.assignmentId === null) {
      await this.update(
        rollout,
        { status: 'cancelled', reason: 'package assignment deleted', finished: true },
        'cancelled',
      );
      return;
    }
    try {
      await this.phases[rollout.phase](rollout);
    } catch (error) {
      if (error instanceof ConfigurationNotFound) {
        await this.update(
          rollout,
          { status: 'cancelled', reason: 'configuration deleted', finished: true },
          'cancelled',
        );
        return;
      }
      throw error;
    }
  }

  private readonly phases: Record<RolloutPhase, (r: Rollout) => Promise<void>> = {
    offer: (r) => this.offer(r),
    wait: (r) => this.wait(r),
    bake: (r) => this.bake(r),
    next: (r) => this.advance(r, null),
  };

  private async offer(r: Rollout): Promise<void> {
    let uids = await this.rollouts.startStage(r.id, r.currentStage);
    if (uids.length === 0) {
      // The previous holder marked them and died before moving on: the push skips those that answered.
      uids = await this.rollouts.agentsInState(r.id, ['offered'], r.currentStage);
    }
    if (r.package) {
      await this.packages.offer(r);
    } else if (uids.length > 0) {
      await this.push.push(r.configurationName, { agentIds: uids, version: r.toVersion });
    }
    await this.update(r, { phase: 'wait' }, 'stage_offered');
  }

  private async wait(r: Rollout): Promise<void> {
    if (r.package) {
      const open = await this.packages.settle(r);
      await this.waited(r, open);
      return;
    }
    // An agent that joined the stage while it was being offered was not in that offer.
    const late = await this.rollouts.startStage(r.id, r.currentStage);
    if (late.length > 0) {
      await this.push.push(r.configurationName, { agentIds: late, version: r.toVersion });
    }
    await this.waited(r, await this.rollouts.settleStage(r.id, r.currentStage, r.toConfigHash, r.applyTimeoutSeconds));
  }

  /** After settling: a failure trips at once; a stage with nobody open goes on to bake. */
  private async waited(r: Rollout, open: number): Promise<void> {
    // Failures need not wait for the rest of the stage.
    if (await this.tripped(r, ['failed'])) {
      return;
    }
    if (open === 0) {
      await this.update(r, { phase: 'bake' }, 'stage_applied');
    }
  }

  private async bake(r: Rollout): Promise<void> {
    if (!r.package) {
      // Agents that joined an offered stage meanwhile answer (or time out) like the stage's own.
      await this.rollouts.settleStage(r.id, r.currentStage, r.toConfigHash, r.applyTimeoutSeconds);
    }
    if (await this.tripped(r, ['failed', 'unhealthy', 'disconnected'])) {
      return;
    }
    if (Date.now() - r.phaseStartedAt.getTime() >= r.bakeSeconds * 1000) {
      const inputs = await this.gateInputs(r);
      await this.advance(r, evaluateGates(r.gates, inputs));
    }
  }

  /** Next stage, or the end: the version is released to every assigned agent (late joiners included). */
  private async advance(r: Rollout, results: GateResult[] | null): Promise<void> {
    const gateResults = results ? withResults(r, results) : r.gateResults;
    const base: RolloutChange = { gateResults, trippedGate: null, trippedAgents: null };
    if (r.currentStage + 1 >= r.stageCount) {
      if (r.package) {
        await this.packages.release(r);
      } else {
        await this.push.push(r.configurationName, { version: r.toVersion });
      }
      await this.update(r, { ...base, status: 'completed', finished: true }, 'completed');
      return;
    }
    await this.update(r, { ...base, currentStage: r.currentStage + 1, phase: 'offer' }, 'stage_passed');
  }

  /** Evaluates the gates; on a breach pauses or rolls back, and says so. */
  private async tripped(r: Rollout, gates: GateName[]): Promise<boolean> {
    const inputs = await this.gateInputs(r);
    const results = evaluateGates(r.gates, inputs);
    const breach = results.find((result) => gates.includes(result.gate) && !result.passed);
    if (!breach) {
      return false;
    }
    const reason =
      `gate ${breach.gate} tripped at stage ${r.currentStage + 1} of ${r.stageCount}: ` +
      `${breach.value} agent(s), at most ${breach.threshold} allowed`;
    const change: RolloutChange = {
      gateResults: withResults(r, results),
      trippedGate: breach.gate,
      trippedAgents: inputs.offenders[breach.gate],
      reason,
    };
    this.logger.warn({ rolloutId: r.id, gate: breach.gate, stage: r.currentStage }, `Rollout ${reason}`);
    if (r.autoRollback) {
      if (await this.update(r, { ...change, status: 'rolled_back', finished: true }, 'gate_tripped')) {
        await this.rollBackAgents(r, `rolled back by rollout ${r.id}: ${reason}`);
      }
    } else {
      await this.update(r, { ...change, status: 'paused' }, 'gate_tripped');
    }
    return true;
  }

  /**
   * Gives every agent the rollout offered to its previous version again (the released one) and
   * records why in their apply history. Called once the rollout is marked rolled back.
   */
  async rollBackAgents(r: Rollout, reason: string): Promise<void> {
    const uids = await this.rollouts.markRolledBack(r.id);
    if (uids.length === 0) {
      return;
    }
    if (r.package) {
      await this.packages.rollBack(r, uids.length);
      return;
    }
    await this.applies.recordRollback(r.configurationId, r.toConfigHash, uids, reason);
    await this.push.push(r.configurationName, { agentIds: uids, version: r.fromVersion });
  }

  private gateInputs(r: Rollout): ReturnType<RolloutsRepository['gateInputs']> {
    return r.package ? this.packages.gateInputs(r) : this.rollouts.gateInputs(r);
  }

  private async update(r: Rollout, change: RolloutChange, what: string): Promise<boolean> {
    const held = await this.rollouts.updateHeld(r.id, this.identity.id, change);
    if (held) {
      this.changes += 1;
      this.events.emit({
        rolloutId: r.id,
        configurationId: r.configurationId,
        packageAssignmentId: r.package?.assignmentId ?? null,
        status: change.status ?? r.status,
        stage: change.currentStage ?? r.currentStage,
        phase: change.phase ?? r.phase,
        change: what,
      });
    }
    return held;
  }
}

/** The rollout's gate results with this stage's latest evaluation in place of its earlier one. */
function withResults(r: Rollout, results: GateResult[]): StageGateResults[] {
  return [
    ...r.gateResults.filter((g) => g.stage !== r.currentStage),
    { stage: r.currentStage, at: new Date().toISOString(), results },
  ];
}
