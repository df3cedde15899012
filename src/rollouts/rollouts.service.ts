import { Injectable, Logger } from '@nestjs/common';
import crypto from 'node:crypto';
import type { Page } from '../common/pagination.js';
import {
  ConfigChangeListener,
  ConfigListenerOrder,
  type WriteResult,
} from '../configurations/config-change-notifier.js';
import { ConfigurationVersionNotFound } from '../config-history/config-history.errors.js';
import { ConfigurationsService } from '../configurations/configurations.service.js';
import { DesiredConfigCache } from '../configurations/desired-config.cache.js';
import { policyProblem, withDefaultGates, type RolloutPolicy } from '../configurations/rollout-policy.js';
import { LEASE_SECONDS, RolloutEngine } from './rollout-engine.js';
import { RolloutEvents } from './rollout-events.js';
import { assignStages } from './rollout-plan.js';
import type { Rollout, RolloutAgentState, RolloutAgentView, RolloutStatus, StageCounts } from './rollout.types.js';
import {
  RolloutAlreadyActive,
  RolloutInvalid,
  RolloutNothingToRollOut,
  RolloutNotFound,
  RolloutStateConflict,
} from './rollouts.errors.js';
import { RolloutPinsRepository } from './rollout-pins.repository.js';
import { RolloutViewsRepository } from './rollout-views.repository.js';
import { RolloutsRepository, type RolloutChange } from './rollouts.repository.js';

const DEFAULT_BAKE_SECONDS = 60;
const DEFAULT_APPLY_TIMEOUT_SECONDS = 300;

/** What an operator (or a configuration's policy) asks for. */
export interface RolloutRequest extends RolloutPolicy {
  configuration: string;
  /** Defaults to the newest version. */
  version?: number;
}

/** Creates rollouts, answers for them and takes operators' actions; the engine advances them. */
@Injectable()
@ConfigChangeListener(ConfigListenerOrder.Rollouts)
export class RolloutsService implements ConfigChangeListener {
  private readonly logger = new Logger('RolloutsService');

  constructor(
    private readonly rollouts: RolloutsRepository,
    private readonly views: RolloutViewsRepository,
    private readonly configurations: ConfigurationsService,
    private readonly cache: DesiredConfigCache,
    private readonly engine: RolloutEngine,
    private readonly events: RolloutEvents,
    private readonly pins: RolloutPinsRepository,
  ) {}

  /** A configuration's new version starts the rollout its policy asks for. */
  configurationWritten(result: WriteResult): Promise<void> {
    return this.startFromPolicy(result);
  }

  async create(request: RolloutRequest, by: string | null): Promise<Rollout> {
    const problem = policyProblem(request);
    if (problem) {
      throw new RolloutInvalid(problem);
    }
    const configuration = await this.configurations.get(request.configuration);
    const version = request.version ?? configuration.version;
    const content = await this.cache.content(configuration.id, version);
    if (!content) {
      throw new ConfigurationVersionNotFound(configuration.name, version);
    }
    if (version === configuration.releasedVersion) {
      throw new RolloutNothingToRollOut(configuration.name, version);
    }
    const active = await this.rollouts.findActive(configuration.id);
    if (active) {
      throw new RolloutAlreadyActive(`Configuration "${configuration.name}"`, active.id);
    }
    const id = crypto.randomUUID();
    const targets = await this.rollouts.findTargets(configuration.id);
    const staged = assignStages(request.plan, id, targets);
    const previous = new Map(targets.map((t) => [t.instanceUid, t.version]));
    const inserted = await this.rollouts.insert({
      id,
      configurationId: configuration.id,
      fromVersion: configuration.releasedVersion,
      toVersion: version,
      toConfigHash: content.configHash,
      plan: request.plan,
      gates: withDefaultGates(request.gates),
      bakeSeconds: request.bake_seconds ?? DEFAULT_BAKE_SECONDS,
      applyTimeoutSeconds: request.apply_timeout_seconds ?? DEFAULT_APPLY_TIMEOUT_SECONDS,
      autoRollback: request.auto_rollback ?? false,
      stageCount: Math.max(1, staged.stageCount),
      createdBy: by,
      leaseOwner: this.engine.instanceId,
      leaseSeconds: LEASE_SECONDS,
      agents: staged.agents.map((a) => ({ ...a, previousVersion: previous.get(a.instanceUid) ?? null })),
    });
    if (!inserted) {
      // Another request won the race for the one active rollout.
      const winner = await this.rollouts.findActive(configuration.id);
      throw new RolloutAlreadyActive(`Configuration "${configuration.name}"`, winner?.id ?? 'unknown');
    }
    const rollout = (await this.rollouts.findById(id))!;
    this.emit(rollout, 'created');
    this.engine.kick();
    return rollout;
  }

  async get(id: string): Promise<{ rollout: Rollout; stages: StageCounts[]; pinnedAgents: number }> {
    const rollout = await this.find(id);
    const left = await this.pins.leftovers(rollout);
    return { rollout, stages: await this.views.stageCounts(rollout), pinnedAgents: left.pinned };
  }

  async list(
    filter: { configuration?: string; status?: RolloutStatus; package_assignment?: number },
    offset: number,
    limit: number,
  ): Promise<Page<Rollout>> {
    const configurationId = filter.configuration ? (await this.configurations.get(filter.configuration)).id : undefined;
    const [items, total] = await this.views.list(
      { configurationId, status: filter.status, packageAssignmentId: filter.package_assignment },
      offset,
      limit,
    );
    return { items, total };
  }

  async agents(
    id: string,
    filter: { stage?: number; state?: RolloutAgentState },
    offset: number,
    limit: number,
  ): Promise<Page<RolloutAgentView>> {
    await this.find(id);
    const [items, total] = await this.views.listAgents(id, filter, offset, limit);
    return { items, total };
  }

  pause(id: string, by: string): Promise<Rollout> {
    return this.transition(id, 'paused', ['running'], { status: 'paused', reason: `paused by ${by}` });
  }

  /** After a tripped gate, resuming accepts it: the rollout goes on to the next stage. */
  async resume(id: string): Promise<Rollout> {
    const current = await this.find(id);
    const change: RolloutChange = { status: 'running', reason: null };
    if (current.trippedGate) {
      Object.assign(change, { phase: 'next', trippedGate: null, trippedAgents: null });
    }
    return this.transition(id, 'resumed', ['paused'], change);
  }

  /**
   * Stops where it is: agents it offered the new version keep it, pinned by this rollout; the
   * others keep the released version. A later push to all, or a later rollout's stages, replace
   * the pins. The reason says how many of each.
   */
  async cancel(id: string, by: string): Promise<Rollout> {
    const current = await this.find(id);
    const left = await this.pins.leftovers(current);
    return this.transition(id, 'cancelled', ['running', 'paused'], {
      status: 'cancelled',
      reason:
        `cancelled by ${by}: ${left.offered} agent(s) offered the new version keep it until the next push or ` +
        `rollout, ${left.notOffered} not offered keep the released one`,
      finished: true,
    });
  }

  /** Gives the agents it updated their previous version; their apply history says why. */
  async rollback(id: string, by: string): Promise<Rollout> {
    const reason = `rolled back by ${by}`;
    const rollout = await this.transition(id, 'rolled back', ['running', 'paused'], {
      status: 'rolled_back',
      reason,
      finished: true,
    });
    await this.engine.rollBackAgents(rollout, `rollout ${rollout.id} ${reason}`);
    return rollout;
  }

  private async transition(id: string, action: string, from: RolloutStatus[], change: RolloutChange): Promise<Rollout> {
    const updated = await this.rollouts.updateIf(id, from, change);
    if (!updated) {
      const current = await this.find(id);
      throw new RolloutStateConflict(id, action, current.status);
    }
    this.emit(updated, action.replace(' ', '_'));
    return updated;
  }

  /**
   * A configuration with a rollout policy (its own, or a default one by label, as decided when
   * the version was saved): its new version starts a rollout. One still running for an older
   * version is superseded (cancelled) first: the newest version is the one to take.
   */
  private async startFromPolicy(result: WriteResult): Promise<void> {
    const c = result.configuration;
    const policy = result.effectivePolicy?.policy;
    if (!result.newVersion || result.created || !policy) {
      return;
    }
    try {
      const active = await this.rollouts.findActive(c.id);
      if (active) {
        await this.rollouts.updateIf(active.id, ['running', 'paused'], {
          status: 'cancelled',
          reason: `superseded by version ${c.version}`,
          finished: true,
        });
      }
      await this.create({ ...policy, configuration: c.name, version: c.version }, c.updatedBy);
    } catch (error) {
      this.logger.warn({ err: error, configuration: c.name }, 'Could not start the rollout of a new version');
    }
  }

  private async find(id: string): Promise<Rollout> {
    const rollout = await this.rollouts.findById(id);
    if (!rollout) {
      throw new RolloutNotFound(id);
    }
    return rollout;
  }

  private emit(r: Rollout, change: string): void {
    this.events.emit({
      rolloutId: r.id,
      configurationId: r.configurationId,
      packageAssignmentId: r.package?.assignmentId ?? null,
      status: r.status,
      stage: r.currentStage,
      phase: r.phase,
      change,
    });
  }
}
