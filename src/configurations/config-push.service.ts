import { Injectable, Logger } from '@nestjs/common';
import crypto from 'node:crypto';
import { InstanceIdentity } from '../agents/instance-identity.js';
import { OpampGateway } from '../opamp/opamp-gateway.js';
import type { AssignmentChange, ForwardedPush } from './assignment.store.js';
import { ConfigAssignmentRepository, type PushTarget } from './config-assignment.repository.js';
import { ConfigChangeListener, ConfigListenerOrder } from './config-change-notifier.js';
import { acceptsRemoteConfig, ConfigDelivery, skipForReport, type Delivery, type Skipped } from './config-delivery.js';
import type { ConfigurationEntity } from './configuration.entity.js';
import { ConfigurationVersionNotFound } from '../config-history/config-history.errors.js';
import { ConfigurationNotFound } from './configurations.errors.js';
import { releasesOnSave } from './configurations.service.js';
import { ConfigurationsRepository } from './configurations.repository.js';
import { DesiredConfigCache } from './desired-config.cache.js';
import { RemoteConfigHandler } from './remote-config.handler.js';

export { SKIP_REASONS, type SkipReason } from './config-delivery.js';

export interface PushResult {
  pushId: string;
  configurationName: string;
  version: number;
  /** Null when the answer did not wait for the targets to be read (see PushOptions.wait). */
  targeted: number | null;
  /** Null when the answer did not wait for the delivery (see PushOptions.wait). */
  sent: number | null;
  /** Agents online at other instances, asked through PostgreSQL to deliver it (null as targeted). */
  forwarded: number | null;
  skipped: Skipped;
}

/** What an operator's push asks for. */
export interface PushOptions {
  /** Only these agents (each must be assigned the configuration). */
  agentIds?: string[];
  /** Re-offer to agents that reported FAILED for this very version (skipped as `already_failed` otherwise). */
  force?: boolean;
  /** Another version than the newest (a rollout stage, or a rollout's way back). */
  version?: number;
  /**
   * False: return once the push is recorded. Releasing the version, reading the targets and the
   * offers follow; the push summary says what was targeted, forwarded and sent as they happen,
   * or why the push failed. The answer waits neither on an agent nor on the fleet's size. Default true.
   */
  wait?: boolean;
}

/** A push slower than this is logged as a warning, with the time of each phase. */
const SLOW_PUSH_MS = 10_000;

/**
 * Sends a configuration's current version to its assigned agents through the OpampGateway: at
 * once to WebSocket agents, with the next poll to HTTP agents. Agents held by another instance
 * are forwarded to it; offline agents get the config when they next connect.
 */
@Injectable()
@ConfigChangeListener(ConfigListenerOrder.Push)
export class ConfigPushService implements ConfigChangeListener {
  private readonly logger = new Logger('ConfigPushService');

  constructor(
    private readonly gateway: OpampGateway,
    private readonly configurations: ConfigurationsRepository,
    private readonly assignments: ConfigAssignmentRepository,
    private readonly cache: DesiredConfigCache,
    private readonly handler: RemoteConfigHandler,
    private readonly delivery: ConfigDelivery,
    private readonly identity: InstanceIdentity,
  ) {}

  /** Pushes to every assigned agent, or to the given ones (each must be assigned this configuration). */
  async push(name: string, options: PushOptions = {}): Promise<PushResult> {
    const startedAt = Date.now();
    const configuration = await this.configurations.findLiveByName(name);
    if (!configuration) {
      throw new ConfigurationNotFound(name);
    }
    const version = options.version ?? configuration.version;
    const content = await this.cache.content(configuration.id, version);
    if (!content) {
      throw new ConfigurationVersionNotFound(configuration.name, version);
    }
    const push: ForwardedPush = {
      pushId: crypto.randomUUID(),
      configurationId: configuration.id,
      version,
      ...(options.force ? { force: true } : {}),
    };
    if (options.wait === false) {
      // Recorded first, so the summary finds it at once; targets are read and offered after the
      // answer, which waits on neither a release nor a read of the whole fleet.
      await this.assignments.recordPush(push);
      void this.carryOut(push, configuration, content.configHash, options.agentIds, startedAt)
        .then((started) => started.delivered)
        .catch(async (error: unknown) => {
          this.logger.error({ err: error, pushId: push.pushId }, 'A push failed after it was answered');
          await this.assignments.failPush(push.pushId, (error as Error).message).catch(() => undefined);
        });
      const result = { pushId: push.pushId, configurationName: configuration.name, version };
      return { ...result, targeted: null, forwarded: null, sent: null, skipped: [] };
    }
    const started = await this.carryOut(push, configuration, content.configHash, options.agentIds, startedAt);
    const delivery = await started.delivered;
    return { ...started.result, sent: delivery.sent, skipped: delivery.skipped };
  }

  /**
   * Makes the version desired, reads the targets, forwards those held elsewhere and records the
   * push; `delivered` settles once the agents held here were offered it.
   */
  private async carryOut(
    push: ForwardedPush,
    configuration: ConfigurationEntity,
    configHash: string,
    agentIds: string[] | undefined,
    startedAt: number,
  ): Promise<{ result: Omit<PushResult, 'sent' | 'skipped'>; delivered: Promise<Delivery> }> {
    const requested = agentIds ? [...new Set(agentIds.map((id) => id.toLowerCase()))] : undefined;
    const { version } = push;
    // The pushed version becomes what these agents are to run before it is offered, so their
    // heartbeats, reconnects and other instances all offer the same thing.
    const changed = await this.makeDesired(configuration, version, configHash, requested);
    const desiredAt = Date.now();
    const targets = await this.assignments.findAssigned(configuration.id, requested);
    const foundAt = Date.now();
    const skipped: Skipped = [];
    // A set: a rollout stage names thousands of agents.
    const assigned = new Set(targets.map((t) => t.instanceUid));
    for (const agentId of requested ?? []) {
      if (!assigned.has(agentId)) {
        const reason = (await this.assignments.agentExists(agentId)) ? 'not_assigned' : 'unknown_agent';
        skipped.push({ agentId, reason });
      }
    }
    const local: PushTarget[] = [];
    const elsewhere: string[] = [];
    for (const target of targets) {
      if (this.gateway.isConnected(target.instanceUid)) {
        local.push(target);
      } else if (!acceptsRemoteConfig(target.capabilities)) {
        skipped.push({ agentId: target.instanceUid, reason: 'no_remote_config_capability' });
      } else if (target.status === 'online' && target.instanceId !== null && target.instanceId !== this.identity.id) {
        // The same rule as for agents held here, on the report the holding instance stored: an
        // agent that already answered this hash is skipped here, and so counted in the push.
        const reason = skipForReport(
          { hash: target.remoteConfigHash, status: target.remoteConfigStatus },
          configHash,
          push.force === true,
        );
        if (reason) {
          skipped.push({ agentId: target.instanceUid, reason });
        } else {
          elsewhere.push(target.instanceUid);
        }
      } else {
        skipped.push({ agentId: target.instanceUid, reason: 'not_connected' });
      }
    }
    // Other instances start on their agents while this one works through its own.
    await this.assignments.startPush(push, targets.length, elsewhere);
    // The pinned agents the forwarded push does not name still learn their new desired state.
    const named = new Set(elsewhere);
    await this.assignments.notifyChanged(changed.filter((uid) => !named.has(uid) && !this.gateway.isConnected(uid)));
    const forwardedAt = Date.now();
    const delivered = this.deliverLocally(push, local, skipped).then((delivery) => {
      const took = Date.now() - startedAt;
      // A slow push is worth an operator's attention: which part was slow says where to look.
      this.logger[took > SLOW_PUSH_MS ? 'warn' : 'log'](
        {
          pushId: push.pushId,
          configuration: configuration.name,
          targeted: targets.length,
          sent: delivery.sent,
          forwarded: elsewhere.length,
          desireMs: desiredAt - startedAt,
          findMs: foundAt - desiredAt,
          forwardMs: forwardedAt - foundAt,
          deliverMs: Date.now() - forwardedAt,
          recordMs: delivery.recordMs,
          sendMs: delivery.sendMs,
        },
        `Push of ${configuration.name} v${version} took ${took} ms`,
      );
      return delivery;
    });
    // Awaited by the caller; a failure is not unhandled meanwhile.
    delivered.catch(() => undefined);
    const result = {
      pushId: push.pushId,
      configurationName: configuration.name,
      version,
      targeted: targets.length,
      forwarded: elsewhere.length,
    };
    return { result, delivered };
  }

  /** Offers to the agents held here, then notes in the push's row what was sent and skipped. */
  private async deliverLocally(push: ForwardedPush, local: PushTarget[], skippedBefore: Skipped): Promise<Delivery> {
    const delivery = await this.delivery.deliver(push, local);
    const skipped = [...skippedBefore, ...delivery.skipped];
    // The push went out; a failure to note its counts leaves them unknown (null), nothing more.
    await this.assignments.finishPush(push.pushId, delivery.sent, skipped.length).catch((error: unknown) => {
      this.logger.warn({ err: error, pushId: push.pushId }, 'Could not record what a push sent');
    });
    return { ...delivery, skipped };
  }

  /**
   * Makes `version` the desired one: of every assigned agent (no agentIds: it is released), or of
   * these agents only (pinned). Nothing to write when it is already released to everyone.
   */
  private async makeDesired(
    configuration: ConfigurationEntity,
    version: number,
    configHash: string,
    agentIds: string[] | undefined,
  ): Promise<string[]> {
    if (!agentIds && configuration.releasedVersion === version) {
      return [];
    }
    // Other instances are woken by the push itself, in one wake-up with the offer (recompute
    // without its own): a separate one arriving first would let their agents' heartbeats offer
    // the version before the push does, and the push offer it again.
    const changes = await this.configurations.write(async (tx) => {
      if (!agentIds) {
        await tx.assignments.release(configuration.id, version, configHash);
        return tx.assignments.recompute(
          { kind: 'configuration', configurationId: configuration.id, selector: configuration.selector },
          false,
        );
      }
      if (version === configuration.releasedVersion) {
        // Back to what everyone else gets (a rollout's rollback): no pin needed.
        await tx.assignments.unpin(configuration.id, agentIds);
      } else {
        await tx.assignments.pin(configuration.id, version, configHash, agentIds);
      }
      return tx.assignments.recompute({ kind: 'agents', instanceUids: agentIds }, false);
    });
    // This push offers it itself: the agents held here are noted as offered before the cache
    // says so, or a heartbeat in between would offer it as well (and no auto push on top).
    for (const change of changes) {
      if (change.configHash && this.gateway.isConnected(change.instanceUid)) {
        this.handler.markOffered(change.instanceUid, change.configHash);
      }
    }
    this.cache.apply(changes);
    return changes.map((change) => change.instanceUid);
  }

  /**
   * Auto push: agents whose desired configuration just changed get it at once when that
   * configuration releases on save (auto_push, no rollout policy: a rollout offers by itself).
   * Runs after commit; a failure only delays the agent to its next message.
   */
  async assignmentsChanged(changes: AssignmentChange[]): Promise<void> {
    const byVersion = new Map<string, { configurationId: string; version: number; uids: string[] }>();
    for (const change of changes) {
      if (change.configurationId && change.version !== null && this.gateway.isConnected(change.instanceUid)) {
        const key = `${change.configurationId}:${change.version}`;
        const entry = byVersion.get(key) ?? {
          configurationId: change.configurationId,
          version: change.version,
          uids: [],
        };
        entry.uids.push(change.instanceUid);
        byVersion.set(key, entry);
      }
    }
    if (byVersion.size === 0) {
      return;
    }
    try {
      const ids = [...new Set([...byVersion.values()].map((e) => e.configurationId))];
      const releasing = new Set((await this.configurations.findLiveByIds(ids)).filter(releasesOnSave).map((c) => c.id));
      for (const { configurationId, version, uids } of byVersion.values()) {
        if (releasing.has(configurationId)) {
          const targets = await this.assignments.findAssigned(configurationId, uids);
          await this.delivery.deliver({ pushId: crypto.randomUUID(), configurationId, version }, targets);
        }
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'Auto push failed; agents get the config with their next message');
    }
  }

  /**
   * Offers the desired config now to these agents connected here (after another instance changed
   * it): their desired state is read in one query, however many they are.
   */
  async offerToConnected(instanceUids: string[]): Promise<void> {
    const connected = instanceUids.filter((uid) => this.gateway.isConnected(uid));
    if (connected.length === 0) {
      return;
    }
    const changes = toChanges(await this.assignments.findDesiredMany(connected));
    this.cache.apply(changes);
    await this.assignmentsChanged(changes);
  }

  /**
   * Reads again the desired state of every WebSocket agent held here, in one query, and offers it
   * to those whose desired config changed since it was cached: for wake-ups that may have been
   * missed (the notification connection was down) or that did not list the agents.
   */
  async reconcileHeld(): Promise<void> {
    const held = this.gateway.heldWebSocketAgents().map((agent) => agent.instanceUid);
    const before = new Map(held.map((uid) => [uid, this.cache.peek(uid)]));
    this.cache.forget();
    if (held.length === 0) {
      return;
    }
    const desired = toChanges(await this.assignments.findDesiredMany(held));
    this.cache.apply(desired);
    const changed = desired.filter((now) => {
      const was = before.get(now.instanceUid);
      return was !== undefined && (was.configHash !== now.configHash || was.configurationId !== now.configurationId);
    });
    this.handler.allowOffer(changed.map((change) => change.instanceUid));
    await this.assignmentsChanged(changed);
  }

  /** Delivers a push another instance forwarded for agents connected here. */
  async deliverForwarded(push: ForwardedPush, instanceUids: string[]): Promise<void> {
    const startedAt = Date.now();
    const connected = instanceUids.filter((uid) => this.gateway.isConnected(uid));
    if (connected.length > 0) {
      const delivery = await this.delivery.deliver(
        push,
        await this.assignments.findAssigned(push.configurationId, connected),
      );
      const took = Date.now() - startedAt;
      if (took > SLOW_PUSH_MS) {
        this.logger.warn(
          { pushId: push.pushId, agents: connected.length, sent: delivery.sent },
          `Delivering a forwarded push took ${took} ms`,
        );
      }
    }
  }
}

function toChanges(desired: Awaited<ReturnType<ConfigAssignmentRepository['findDesiredMany']>>): AssignmentChange[] {
  return [...desired].map(([instanceUid, state]) => ({ instanceUid, ...state }));
}
