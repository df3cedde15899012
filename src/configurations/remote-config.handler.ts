import { MicroBatcher } from '../common/micro-batcher.js';
import { Injectable, Logger } from '@nestjs/common';
import type { AgentMessageContext, AgentMessageHandler } from '../opamp/agent-message-handlers.js';
import {
  ServerCapabilities,
  AgentCapabilities,
  REMOTE_CONFIG_STATUS_NAMES,
  type RemoteConfigStatus,
  type ServerToAgentDraft,
} from '../opamp/proto/opamp.types.js';
import { ApplyHistoryService } from './apply-history.service.js';
import type { AssignmentChange } from './assignment.store.js';
import type { ConfigChangeListener } from './config-change-notifier.js';
import { ConfigAssignmentService } from './config-assignment.service.js';
import { DesiredConfigCache, type DesiredConfig } from './desired-config.cache.js';
import { toAgentRemoteConfig } from './remote-config.js';
import { agentLabelSet } from './selector.js';

/**
 * The configurations side of every AgentToServer: records RemoteConfigStatus reports in the apply
 * history, reassigns the agent when its label set changed, and offers the desired config when the
 * agent's reported hash differs. A heartbeat from an agent that is in sync costs two map lookups.
 */
/** How long an unanswered offer waits before the handler repeats it on an open connection. */
const REOFFER_MS = 30_000;
/** How long first messages wait to share one assignment recompute. */
const RECOMPUTE_BATCH_MS = 10;
/** Recompute transactions at once; agents connecting meanwhile join the next one. */
const RECOMPUTES_IN_FLIGHT = 2;

@Injectable()
export class RemoteConfigHandler implements AgentMessageHandler, ConfigChangeListener {
  readonly name = 'configurations';
  readonly capabilities = ServerCapabilities.OffersRemoteConfig;
  private readonly logger = new Logger('RemoteConfigHandler');
  /** The label set each agent was last assigned for; a change means a recompute. */
  private readonly labelSets = new Map<string, string>();
  /** The labels object each agent's set was built from (identity is enough to see a change). */
  private readonly labelObjects = new Map<string, Record<string, string>>();
  /** Hash an agent reported FAILED for: not offered again until a new version or an explicit push. */
  private readonly failed = new Map<string, string>();
  /**
   * Agents re-offered (forced push) a hash they had reported FAILED, and how many messages without
   * a RemoteConfigStatus came since: some agents report a status only when it changes, so the
   * offer is answered by silence (see `settleReofferedFailed`).
   */
  private readonly reofferedFailed = new Map<string, { hash: string; quiet: number }>();
  /** The hash last offered to each agent and when: the offer is recorded once and not repeated at every message. */
  private readonly offered = new Map<string, { hash: string; at: number }>();
  private readonly recomputes = new MicroBatcher<string, true>(
    async (uids) => {
      await this.assignments.recomputeForAgents(uids);
      return new Map(uids.map((uid) => [uid, true]));
    },
    RECOMPUTE_BATCH_MS,
    1000,
    RECOMPUTES_IN_FLIGHT,
  );

  constructor(
    private readonly cache: DesiredConfigCache,
    private readonly assignments: ConfigAssignmentService,
    private readonly applies: ApplyHistoryService,
  ) {}

  /**
   * Synchronous for a heartbeat of an agent that is in sync or already offered (nearly every
   * message): a promise only when there is a report to record, a label set to reassign, a desired
   * config to load or an offer to send.
   */
  handle(context: AgentMessageContext, reply: ServerToAgentDraft): Promise<void> | undefined {
    const { agent, message } = context;
    if (
      message.remote_config_status ||
      this.reofferedFailed.has(agent.instanceUid) ||
      this.labelsMayHaveChanged(context)
    ) {
      return this.handleChange(context, reply);
    }
    return this.offerIfDue(context, reply);
  }

  private async handleChange(context: AgentMessageContext, reply: ServerToAgentDraft): Promise<void> {
    const { agent, message } = context;
    if (message.remote_config_status) {
      this.reofferedFailed.delete(agent.instanceUid);
      await this.recordReport(agent.instanceUid, message.remote_config_status);
    } else if (this.reofferedFailed.has(agent.instanceUid)) {
      await this.settleReofferedFailed(context);
    }
    if (this.labelsMayHaveChanged(context)) {
      this.labelObjects.set(agent.instanceUid, agent.labels);
      const labelSet = JSON.stringify(Object.entries(agentLabelSet(agent)).sort());
      if (this.labelSets.get(agent.instanceUid) !== labelSet) {
        this.labelSets.set(agent.instanceUid, labelSet);
        await this.recomputeSoon(agent.instanceUid);
      }
    }
    await this.offerIfDue(context, reply);
  }

  /**
   * The label set can only change with a description, a first message (its snapshot was just
   * loaded) or new server-side labels (the inventory replaces the labels object): heartbeats skip
   * building and comparing it.
   */
  private labelsMayHaveChanged(context: AgentMessageContext): boolean {
    return (
      context.firstMessage ||
      context.message.agent_description !== undefined ||
      this.labelObjects.get(context.agent.instanceUid) !== context.agent.labels
    );
  }

  private offerIfDue(context: AgentMessageContext, reply: ServerToAgentDraft): Promise<void> | undefined {
    if ((context.agent.capabilities & AgentCapabilities.AcceptsRemoteConfig) === 0) {
      return undefined;
    }
    const desired = this.cache.peek(context.agent.instanceUid);
    if (!desired) {
      return this.cache.get(context.agent.instanceUid).then((loaded) => this.offerDesired(context, reply, loaded));
    }
    return this.offerDesired(context, reply, desired);
  }

  private offerDesired(
    context: AgentMessageContext,
    reply: ServerToAgentDraft,
    desired: DesiredConfig,
  ): Promise<void> | undefined {
    const { agent } = context;
    if (!desired.configurationId || desired.version === null || desired.configHash === agent.remoteConfigHash) {
      return undefined;
    }
    if (this.failed.get(agent.instanceUid) === desired.configHash) {
      return undefined;
    }
    const last = this.offered.get(agent.instanceUid);
    const repeat = last?.hash === desired.configHash;
    // The agent has not answered the offer yet (it is still applying, or a poll crossed it): repeat
    // it only on a new connection or after REOFFER_MS, in case it was lost.
    if (repeat && !context.firstMessage && Date.now() - last.at < REOFFER_MS) {
      return undefined;
    }
    return this.sendOffer(agent.instanceUid, reply, desired, repeat);
  }

  private async sendOffer(
    instanceUid: string,
    reply: ServerToAgentDraft,
    desired: DesiredConfig,
    repeat: boolean,
  ): Promise<void> {
    const content = await this.cache.content(desired.configurationId!, desired.version!);
    if (!content) {
      return;
    }
    reply.remote_config = toAgentRemoteConfig(content);
    this.offered.set(instanceUid, { hash: content.configHash, at: Date.now() });
    if (!repeat) {
      await this.applies.recordOfferUnlessOpen({
        configurationId: content.configurationId,
        version: content.version,
        configHash: content.configHash,
        instanceUid,
        pushId: null,
      });
    }
  }

  /**
   * Recomputes assignments for agents that (re)connected within a few milliseconds of each other
   * in one transaction, so a reconnect storm costs a statement per batch, not per agent.
   */
  private async recomputeSoon(instanceUid: string): Promise<void> {
    await this.recomputes.get(instanceUid);
  }

  disconnected(instanceUid: string): Promise<void> {
    this.labelSets.delete(instanceUid);
    this.labelObjects.delete(instanceUid);
    this.offered.delete(instanceUid);
    this.reofferedFailed.delete(instanceUid);
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
      this.offered.delete(uid);
    }
  }

  /** Notes an offer sent by a push, so the handler neither repeats it at once nor records it twice. */
  markOffered(instanceUid: string, configHash: string): void {
    this.offered.set(instanceUid, { hash: configHash, at: Date.now() });
  }

  /**
   * A forced re-offer of a hash the agent reported FAILED: its next report decides the offer's row.
   * An agent that reports only changes stays silent when it fails the same hash again, so the
   * second message without a report (the first may have crossed the offer on the wire, or be the
   * poll that carried it) while the agent still says FAILED for the hash records it failed again
   * instead of leaving it pending until the timeout.
   */
  private async settleReofferedFailed(context: AgentMessageContext): Promise<void> {
    const { agent } = context;
    const reoffer = this.reofferedFailed.get(agent.instanceUid)!;
    reoffer.quiet += 1;
    if (reoffer.quiet < 2) {
      return;
    }
    this.reofferedFailed.delete(agent.instanceUid);
    if (agent.remoteConfigHash === reoffer.hash && agent.remoteConfigStatus === 'FAILED') {
      await this.applies.recordStatus(agent.instanceUid, reoffer.hash, 'FAILED', agent.remoteConfigError);
    }
  }

  /** Notes a forced re-offer of a hash the agent reported FAILED (settled by its next messages). */
  markReofferedFailed(instanceUid: string, configHash: string): void {
    this.reofferedFailed.set(instanceUid, { hash: configHash, quiet: 0 });
  }

  /** Forgets a re-offer that could not be sent. */
  unmarkReofferedFailed(instanceUid: string): void {
    this.reofferedFailed.delete(instanceUid);
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
