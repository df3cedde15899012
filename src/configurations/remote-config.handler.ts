import { Injectable, Logger } from '@nestjs/common';
import type { AgentMessageContext, AgentMessageHandler } from '../opamp/agent-message-handlers.js';
import {
  AgentCapabilities,
  REMOTE_CONFIG_STATUS_NAMES,
  type RemoteConfigStatus,
  type ServerToAgentDraft,
} from '../opamp/proto/opamp.types.js';
import { ApplyHistoryService } from './apply-history.service.js';
import type { AssignmentChange } from './assignment.store.js';
import type { ConfigChangeListener } from './config-change-notifier.js';
import { ConfigAssignmentService } from './config-assignment.service.js';
import { DesiredConfigCache } from './desired-config.cache.js';
import { toAgentRemoteConfig } from './remote-config.js';
import { agentLabelSet } from './selector.js';

/**
 * The configurations side of every AgentToServer: records RemoteConfigStatus reports in the apply
 * history, reassigns the agent when its label set changed, and offers the desired config when the
 * agent's reported hash differs. A heartbeat from an agent that is in sync costs two map lookups.
 */
@Injectable()
export class RemoteConfigHandler implements AgentMessageHandler, ConfigChangeListener {
  readonly name = 'configurations';
  private readonly logger = new Logger('RemoteConfigHandler');
  /** The label set each agent was last assigned for; a change means a recompute. */
  private readonly labelSets = new Map<string, string>();
  /** Hash an agent reported FAILED for: not offered again until a new version or an explicit push. */
  private readonly failed = new Map<string, string>();
  /** Hash whose offer this instance already recorded as pending, so repeats add no rows. */
  private readonly recorded = new Map<string, string>();

  constructor(
    private readonly cache: DesiredConfigCache,
    private readonly assignments: ConfigAssignmentService,
    private readonly applies: ApplyHistoryService,
  ) {}

  async handle(context: AgentMessageContext, reply: ServerToAgentDraft): Promise<void> {
    const { agent, message } = context;
    if (message.remote_config_status) {
      await this.recordReport(agent.instanceUid, message.remote_config_status);
    }
    const labelSet = JSON.stringify(Object.entries(agentLabelSet(agent)).sort());
    if (this.labelSets.get(agent.instanceUid) !== labelSet) {
      this.labelSets.set(agent.instanceUid, labelSet);
      await this.assignments.recomputeForAgents([agent.instanceUid]);
    }
    if ((agent.capabilities & AgentCapabilities.AcceptsRemoteConfig) === 0) {
      return;
    }
    const desired = await this.cache.get(agent.instanceUid);
    if (!desired.configurationId || desired.version === null || desired.configHash === agent.remoteConfigHash) {
      return;
    }
    if (this.failed.get(agent.instanceUid) === desired.configHash) {
      return;
    }
    const content = await this.cache.content(desired.configurationId, desired.version);
    if (!content) {
      return;
    }
    reply.remote_config = toAgentRemoteConfig(content);
    if (this.recorded.get(agent.instanceUid) !== content.configHash) {
      this.recorded.set(agent.instanceUid, content.configHash);
      await this.applies.recordOfferUnlessOpen({
        configurationId: content.configurationId,
        version: content.version,
        configHash: content.configHash,
        instanceUid: agent.instanceUid,
        pushId: null,
      });
    }
  }

  disconnected(instanceUid: string): Promise<void> {
    this.labelSets.delete(instanceUid);
    this.recorded.delete(instanceUid);
    this.cache.forget([instanceUid]);
    return Promise.resolve();
  }

  /** Committed reassignments (from this instance): the cache learns them, and a new version may be offered. */
  assignmentsChanged(changes: AssignmentChange[]): Promise<void> {
    this.cache.apply(changes);
    this.allowOffer(changes.map((change) => change.instanceUid));
    return Promise.resolve();
  }

  /** Lets the next message offer again: after a new version, or when an operator pushes explicitly. */
  allowOffer(instanceUids: string[]): void {
    for (const uid of instanceUids) {
      this.failed.delete(uid);
      this.recorded.delete(uid);
    }
  }

  /** Notes that an offer was recorded elsewhere (a push), so the handler adds no second row. */
  markRecorded(instanceUid: string, configHash: string): void {
    this.recorded.set(instanceUid, configHash);
  }

  private async recordReport(instanceUid: string, status: RemoteConfigStatus): Promise<void> {
    const name = REMOTE_CONFIG_STATUS_NAMES[status.status ?? 0] ?? 'UNSET';
    const hash = status.last_remote_config_hash ? Buffer.from(status.last_remote_config_hash).toString('hex') : '';
    if (name === 'UNSET' || hash === '') {
      return;
    }
    if (name === 'FAILED') {
      this.failed.set(instanceUid, hash);
      this.logger.warn({ instanceUid, configHash: hash, error: status.error_message }, 'Agent failed to apply config');
    }
    await this.applies.recordStatus(instanceUid, hash, name, status.error_message || null);
  }
}
