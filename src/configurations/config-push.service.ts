import { Injectable, Logger } from '@nestjs/common';
import crypto from 'node:crypto';
import { OpampGateway } from '../opamp/opamp-gateway.js';
import { AgentCapabilities } from '../opamp/proto/opamp.types.js';
import { ApplyHistoryService } from './apply-history.service.js';
import type { AssignmentChange } from './assignment.store.js';
import { ConfigAssignmentRepository, type AgentAssignmentRow } from './config-assignment.repository.js';
import type { ConfigChangeListener } from './config-change-notifier.js';
import { ConfigurationNotFound } from './configurations.errors.js';
import { ConfigurationsRepository } from './configurations.repository.js';
import { DesiredConfigCache } from './desired-config.cache.js';
import { toAgentRemoteConfig } from './remote-config.js';
import { RemoteConfigHandler } from './remote-config.handler.js';

export type SkipReason = 'unknown_agent' | 'not_assigned' | 'no_remote_config_capability' | 'not_connected';

export interface PushResult {
  pushId: string;
  configurationName: string;
  version: number;
  targeted: number;
  sent: number;
  skipped: Array<{ agentId: string; reason: SkipReason }>;
}

/**
 * Sends a configuration's current version to its assigned agents through the OpampGateway: at
 * once to WebSocket agents, with the next poll to HTTP agents. Agents not connected to this
 * instance are skipped (`not_connected`); they are offered the config when they next connect.
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
  ) {}

  /** Pushes to every assigned agent, or to the given ones (each must be assigned this configuration). */
  async push(name: string, agentIds?: string[]): Promise<PushResult> {
    const configuration = await this.configurations.findLiveByName(name);
    if (!configuration) {
      throw new ConfigurationNotFound(name);
    }
    const requested = agentIds ? [...new Set(agentIds.map((id) => id.toLowerCase()))] : undefined;
    const targets = await this.assignments.findAssigned(configuration.id, requested);
    const skipped: PushResult['skipped'] = [];
    for (const agentId of requested ?? []) {
      if (!targets.some((t) => t.instanceUid === agentId)) {
        const reason = (await this.assignments.agentExists(agentId)) ? 'not_assigned' : 'unknown_agent';
        skipped.push({ agentId, reason });
      }
    }
    const delivery = await this.deliver(configuration.id, configuration.version, targets);
    return {
      pushId: delivery.pushId,
      configurationName: configuration.name,
      version: configuration.version,
      targeted: targets.length,
      sent: delivery.sent,
      skipped: [...skipped, ...delivery.skipped],
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
          await this.deliver(configuration.id, configuration.version, targets);
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

  private async deliver(
    configurationId: string,
    version: number,
    targets: AgentAssignmentRow[],
  ): Promise<{ pushId: string; sent: number; skipped: PushResult['skipped'] }> {
    const pushId = crypto.randomUUID();
    const skipped: PushResult['skipped'] = [];
    const content = await this.cache.content(configurationId, version);
    if (!content) {
      throw new ConfigurationNotFound(configurationId);
    }
    const remoteConfig = toAgentRemoteConfig(content);
    const sentTo: string[] = [];
    for (const target of targets) {
      const capabilities = this.gateway.capabilitiesOf(target.instanceUid) ?? target.capabilities;
      if ((capabilities & AgentCapabilities.AcceptsRemoteConfig) === 0) {
        skipped.push({ agentId: target.instanceUid, reason: 'no_remote_config_capability' });
        continue;
      }
      // An explicit push (or a new assignment) overrides "this version failed here, do not re-offer".
      this.handler.allowOffer([target.instanceUid]);
      if (await this.gateway.send(target.instanceUid, { remote_config: remoteConfig })) {
        sentTo.push(target.instanceUid);
        this.handler.markOffered(target.instanceUid, content.configHash);
      } else {
        skipped.push({ agentId: target.instanceUid, reason: 'not_connected' });
      }
    }
    await this.applies.recordOffers(
      sentTo.map((instanceUid) => ({
        configurationId,
        version,
        configHash: content.configHash,
        instanceUid,
        pushId,
      })),
    );
    return { pushId, sent: sentTo.length, skipped };
  }
}
