import { Injectable, Logger } from '@nestjs/common';
import crypto from 'node:crypto';
import { InstanceIdentity } from '../agents/instance-identity.js';
import { OpampGateway } from '../opamp/opamp-gateway.js';
import { AgentCapabilities } from '../opamp/proto/opamp.types.js';
import { ApplyHistoryService } from './apply-history.service.js';
import type { AssignmentChange, ForwardedPush } from './assignment.store.js';
import { ConfigAssignmentRepository, type PushTarget } from './config-assignment.repository.js';
import type { ConfigChangeListener } from './config-change-notifier.js';
import { ConfigurationNotFound } from './configurations.errors.js';
import { ConfigurationsRepository } from './configurations.repository.js';
import { DesiredConfigCache } from './desired-config.cache.js';
import { toAgentRemoteConfig } from './remote-config.js';
import { RemoteConfigHandler } from './remote-config.handler.js';

/** Why a push left an agent out (the API's `skipped[].reason`). */
export const SKIP_REASONS = [
  'unknown_agent',
  'not_assigned',
  'no_remote_config_capability',
  'not_connected',
  'already_applied',
  'already_applying',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface PushResult {
  pushId: string;
  configurationName: string;
  version: number;
  targeted: number;
  sent: number;
  /** Agents online at other instances, asked through PostgreSQL to deliver it. */
  forwarded: number;
  skipped: Array<{ agentId: string; reason: SkipReason }>;
}

/** A push slower than this is logged as a warning, with the time of each phase. */
const SLOW_PUSH_MS = 10_000;

/** Sends in parallel batches: one slow socket must not hold up a fleet-wide push. */
const SEND_BATCH = 256;

/**
 * Sends a configuration's current version to its assigned agents through the OpampGateway: at
 * once to WebSocket agents, with the next poll to HTTP agents. Agents held by another instance
 * are forwarded to it; offline agents get the config when they next connect.
 */
@Injectable()
export class ConfigPushService implements ConfigChangeListener {
  private readonly logger = new Logger('ConfigPushService');

  constructor(
    private readonly gateway: OpampGateway,
    private readonly configurations: ConfigurationsRepository,
    private readonly assignments: ConfigAssignmentRepository,
    private readonly cache: DesiredConfigCache,
    private readonly handler: RemoteConfigHandler,
    private readonly applies: ApplyHistoryService,
    private readonly identity: InstanceIdentity,
  ) {}

  /** Pushes to every assigned agent, or to the given ones (each must be assigned this configuration). */
  async push(name: string, agentIds?: string[]): Promise<PushResult> {
    const startedAt = Date.now();
    const configuration = await this.configurations.findLiveByName(name);
    if (!configuration) {
      throw new ConfigurationNotFound(name);
    }
    const requested = agentIds ? [...new Set(agentIds.map((id) => id.toLowerCase()))] : undefined;
    const targets = await this.assignments.findAssigned(configuration.id, requested);
    const foundAt = Date.now();
    const skipped: PushResult['skipped'] = [];
    for (const agentId of requested ?? []) {
      if (!targets.some((t) => t.instanceUid === agentId)) {
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
        elsewhere.push(target.instanceUid);
      } else {
        skipped.push({ agentId: target.instanceUid, reason: 'not_connected' });
      }
    }
    const push: ForwardedPush = {
      pushId: crypto.randomUUID(),
      configurationId: configuration.id,
      version: configuration.version,
    };
    // Other instances start on their agents while this one works through its own.
    await this.assignments.startPush(push, targets.length, elsewhere);
    const forwardedAt = Date.now();
    const delivery = await this.deliver(push, local);
    const allSkipped = [...skipped, ...delivery.skipped];
    // The push went out; a failure to note its counts leaves them unknown (null), nothing more.
    await this.assignments.finishPush(push.pushId, delivery.sent, allSkipped.length).catch((error: unknown) => {
      this.logger.warn({ err: error, pushId: push.pushId }, 'Could not record what a push sent');
    });
    const took = Date.now() - startedAt;
    // A slow push is worth an operator's attention: which part was slow says where to look.
    this.logger[took > SLOW_PUSH_MS ? 'warn' : 'log'](
      {
        pushId: push.pushId,
        configuration: configuration.name,
        targeted: targets.length,
        sent: delivery.sent,
        forwarded: elsewhere.length,
        findMs: foundAt - startedAt,
        forwardMs: forwardedAt - foundAt,
        deliverMs: Date.now() - forwardedAt,
      },
      `Push of ${configuration.name} v${configuration.version} took ${took} ms`,
    );
    return {
      pushId: push.pushId,
      configurationName: configuration.name,
      version: configuration.version,
      targeted: targets.length,
      sent: delivery.sent,
      forwarded: elsewhere.length,
      skipped: allSkipped,
    };
  }

  /**
   * Auto push: agents whose desired configuration just changed get it at once when that
   * configuration has auto_push. Runs after commit; a failure only delays the agent to its next message.
   */
  async assignmentsChanged(changes: AssignmentChange[]): Promise<void> {
    const byConfiguration = new Map<string, string[]>();
    for (const change of changes) {
      if (change.configurationId && this.gateway.isConnected(change.instanceUid)) {
        byConfiguration.set(change.configurationId, [
          ...(byConfiguration.get(change.configurationId) ?? []),
          change.instanceUid,
        ]);
      }
    }
    if (byConfiguration.size === 0) {
      return;
    }
    try {
      for (const configuration of await this.configurations.findLiveByIds([...byConfiguration.keys()])) {
        if (configuration.autoPush) {
          const targets = await this.assignments.findAssigned(configuration.id, byConfiguration.get(configuration.id));
          const push = {
            pushId: crypto.randomUUID(),
            configurationId: configuration.id,
            version: configuration.version,
          };
          await this.deliver(push, targets);
        }
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'Auto push failed; agents get the config with their next message');
    }
  }

  /** Offers the desired config now to these agents connected here (after another instance changed it). */
  async offerToConnected(instanceUids: string[]): Promise<void> {
    const changes: AssignmentChange[] = [];
    for (const instanceUid of instanceUids) {
      changes.push({ instanceUid, ...(await this.cache.get(instanceUid)) });
    }
    await this.assignmentsChanged(changes);
  }

  /** Delivers a push another instance forwarded for agents connected here. */
  async deliverForwarded(push: ForwardedPush, instanceUids: string[]): Promise<void> {
    const startedAt = Date.now();
    const connected = instanceUids.filter((uid) => this.gateway.isConnected(uid));
    if (connected.length > 0) {
      const delivery = await this.deliver(push, await this.assignments.findAssigned(push.configurationId, connected));
      const took = Date.now() - startedAt;
      if (took > SLOW_PUSH_MS) {
        this.logger.warn(
          { pushId: push.pushId, agents: connected.length, sent: delivery.sent },
          `Delivering a forwarded push took ${took} ms`,
        );
      }
    }
  }

  private async deliver(
    push: ForwardedPush,
    targets: PushTarget[],
  ): Promise<{ sent: number; skipped: PushResult['skipped'] }> {
    const skipped: PushResult['skipped'] = [];
    const content = await this.cache.content(push.configurationId, push.version);
    if (!content) {
      throw new ConfigurationNotFound(push.configurationId);
    }
    const remoteConfig = toAgentRemoteConfig(content);
    const receivers: string[] = [];
    for (const target of targets) {
      const capabilities = this.gateway.capabilitiesOf(target.instanceUid) ?? target.capabilities;
      // The live report when the agent is connected here (the stored row lags by a flush).
      const reported = this.gateway.remoteConfigOf(target.instanceUid) ?? {
        hash: target.remoteConfigHash,
        status: target.remoteConfigStatus,
      };
      if (!acceptsRemoteConfig(capabilities)) {
        skipped.push({ agentId: target.instanceUid, reason: 'no_remote_config_capability' });
      } else if (reported.hash === content.configHash && reported.status === 'APPLIED') {
        // Already running exactly this: an offer would get no answer and its row would only time out.
        skipped.push({ agentId: target.instanceUid, reason: 'already_applied' });
      } else if (reported.hash === content.configHash && reported.status === 'APPLYING') {
        // Applying it right now (offered on a heartbeat): that offer's row tracks the outcome.
        skipped.push({ agentId: target.instanceUid, reason: 'already_applying' });
      } else {
        receivers.push(target.instanceUid);
      }
    }
    // The pending rows exist before the first offer leaves: a fast agent's APPLYING/APPLIED must
    // find its row, or the report is lost and the row later turns `timeout`.
    await this.applies.recordOffers(
      receivers.map((instanceUid) => ({
        configurationId: push.configurationId,
        version: push.version,
        configHash: content.configHash,
        instanceUid,
        pushId: push.pushId,
      })),
    );
    let sent = 0;
    const alreadyApplied: string[] = [];
    const sendOne = async (instanceUid: string): Promise<void> => {
      // Inserting thousands of rows takes a moment: an agent that finished applying this hash
      // (offered on a heartbeat) meanwhile reported into the older row only. Close ours too.
      const now = this.gateway.remoteConfigOf(instanceUid);
      if (now?.hash === content.configHash && now.status === 'APPLIED') {
        alreadyApplied.push(instanceUid);
        skipped.push({ agentId: instanceUid, reason: 'already_applied' });
        return;
      }
      // An explicit push (or a new assignment) overrides "this version failed here, do not re-offer".
      this.handler.allowOffer([instanceUid]);
      if (await this.gateway.send(instanceUid, { remote_config: remoteConfig })) {
        sent += 1;
        this.handler.markOffered(instanceUid, content.configHash);
      } else {
        // Its connection closed meanwhile: the pending row turns `timeout` unless it reconnects and applies.
        skipped.push({ agentId: instanceUid, reason: 'not_connected' });
      }
    };
    for (let i = 0; i < receivers.length; i += SEND_BATCH) {
      await Promise.all(receivers.slice(i, i + SEND_BATCH).map(sendOne));
    }
    await this.applies.recordAppliedMany(alreadyApplied, content.configHash);
    return { sent, skipped };
  }
}

function acceptsRemoteConfig(capabilities: number): boolean {
  return (capabilities & AgentCapabilities.AcceptsRemoteConfig) !== 0;
}
