import { MicroBatcher } from '../common/micro-batcher.js';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AgentMessageHandler, type AgentMessageContext, type AgentSnapshot } from '../opamp/agent-message-handlers.js';
import { OpampGateway } from '../opamp/opamp-gateway.js';
import { ServerCapabilities, type AgentToServer, type ServerToAgentDraft } from '../opamp/proto/opamp.types.js';
import { ConnectionSettingsRepository, type HeldSettings } from './connection-settings.repository.js';
import { ConnectionSettingsRules } from './connection-settings.rules.js';
import { desiredSettings, offerFor, type DesiredSettings } from './desired-settings.js';
import { HandlerOrder } from '../opamp/handler-order.js';

const STATUS_NAMES = ['UNSET', 'APPLIED', 'APPLYING', 'FAILED'] as const;
/** Agents re-evaluated per database round trip when operators change settings. */
const BATCH = 500;

/**
 * One per connected agent. `desired` was computed from the inputs beside it (held as fields, not
 * as a list: an array per agent costs more than the fields) and is recomputed only when one of
 * them is replaced.
 */
interface AgentState {
  held: HeldSettings;
  desired: DesiredSettings | undefined;
  rulesVersion: number;
  capabilities: number;
  labels: AgentSnapshot['labels'] | undefined;
  identifyingAttributes: AgentSnapshot['identifyingAttributes'] | undefined;
  nonIdentifyingAttributes: AgentSnapshot['nonIdentifyingAttributes'] | undefined;
}

/** What an agent that was never offered settings holds (shared: held settings are replaced, never changed). */
const NOTHING_HELD: HeldSettings = Object.freeze({ hash: null, parts: null });

function newState(held: HeldSettings | undefined): AgentState {
  return {
    held: held && (held.hash !== null || held.parts !== null) ? held : NOTHING_HELD,
    desired: undefined,
    rulesVersion: 0,
    capabilities: 0,
    labels: undefined,
    identifyingAttributes: undefined,
    nonIdentifyingAttributes: undefined,
  };
}

/**
 * Offers connection settings when they change, not on every connection (the spec's offer flow):
 * opamp-go agents close and reconnect on every `opamp` offer to verify it, so an offer in every
 * first reply is an endless reconnect loop. Per agent, PostgreSQL remembers the hash last offered
 * (or reported applied by the agent), so a restart or a move to another instance offers nothing
 * new; an operator's change offers each affected agent the changed parts once.
 */
@Injectable()
// After the inventory (0), which has stored the agent row and loaded its labels.
@AgentMessageHandler(HandlerOrder.ConnectionSettings, { capabilities: ServerCapabilities.OffersConnectionSettings })
export class ConnectionSettingsHandler implements AgentMessageHandler, OnApplicationBootstrap {
  readonly name = 'connection-settings';
  private readonly logger = new Logger(ConnectionSettingsHandler.name);
  private readonly states = new Map<string, AgentState>();
  /** First messages arriving together (a reconnect storm) share one query. */
  private readonly held = new MicroBatcher<string, HeldSettings>(
    (uids) => this.repository.heldByMany(uids),
    10,
    1000,
    2,
  );
  private reoffering = Promise.resolve();

  constructor(
    private readonly repository: ConnectionSettingsRepository,
    private readonly rules: ConnectionSettingsRules,
    private readonly gateway: OpampGateway,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.rules.onChange(() => {
      this.reoffering = this.reoffering
        .then(() => this.reofferHeld())
        .catch((error: unknown) => {
          this.logger.error({ err: error }, 'Re-offering connection settings failed');
        });
    });
  }

  /**
   * Synchronous for a heartbeat of a known agent that holds what we want (nearly every message):
   * only a first message, a status report or a change to offer goes to the database.
   */
  handle(context: AgentMessageContext, reply: ServerToAgentDraft): Promise<void> | undefined {
    const state = this.states.get(context.agent.instanceUid);
    if (!state || context.firstMessage || context.message.connection_settings_status) {
      return this.handleChange(context, reply, state);
    }
    const desired = this.desiredFor(context.agent, state);
    if (desired.hash === null || desired.hash === state.held.hash) {
      return undefined;
    }
    return this.handleChange(context, reply, state);
  }

  private async handleChange(
    context: AgentMessageContext,
    reply: ServerToAgentDraft,
    known: AgentState | undefined,
  ): Promise<void> {
    const uid = context.agent.instanceUid;
    let state = known;
    if (!state || context.firstMessage) {
      state = newState(await this.held.get(uid));
      this.states.set(uid, state);
    }
    const desired = this.desiredFor(context.agent, state);
    const report = context.message.connection_settings_status;
    if (report) {
      if (await this.acceptReport(uid, report, state, desired)) {
        return;
      }
    } else if (desired.hash === null || desired.hash === state.held.hash) {
      return;
    }
    if (desired.hash === null) {
      return;
    }
    // The agent reported other settings than we remember, or the operator's wish changed.
    const offer = offerFor(desired, report ? null : state.held.parts);
    const claimed = await this.repository.claimOffers([{ instanceUid: uid, hash: desired.hash, parts: desired.parts }]);
    state.held = { hash: desired.hash, parts: desired.parts };
    if (claimed.has(uid) || report) {
      reply.connection_settings = { hash: Buffer.from(desired.hash, 'hex'), ...offer };
    }
  }

  disconnected(instanceUid: string): Promise<void> {
    this.states.delete(instanceUid);
    return Promise.resolve();
  }

  /**
   * Records what a ReportsConnectionSettingsStatus agent says it holds. True when nothing is to
   * be offered: it holds what we want, it is still applying an offer, or it failed on the
   * settings we already offered (offering them again would only repeat the failure).
   */
  private async acceptReport(
    uid: string,
    report: NonNullable<AgentToServer['connection_settings_status']>,
    state: AgentState,
    desired: DesiredSettings,
  ): Promise<boolean> {
    const reported = report.last_connection_settings_hash?.length
      ? Buffer.from(report.last_connection_settings_hash).toString('hex')
      : null;
    const status = STATUS_NAMES[report.status ?? 0] ?? 'UNSET';
    const matches = desired.hash !== null && reported === desired.hash;
    const held = matches ? { hash: desired.hash!, parts: desired.parts } : null;
    await this.repository.recordStatus(uid, status, report.error_message || null, held);
    if (held) {
      state.held = held;
    }
    const alreadyOffered = desired.hash === state.held.hash;
    return matches || status === 'APPLYING' || (status === 'FAILED' && alreadyOffered) || desired.hash === null;
  }

  private desiredFor(agent: AgentSnapshot, state: AgentState): DesiredSettings {
    // Compared in place, not by building the inputs list: this runs for every heartbeat.
    if (
      !state.desired ||
      state.rulesVersion !== this.rules.version ||
      state.capabilities !== agent.capabilities ||
      state.labels !== agent.labels ||
      state.identifyingAttributes !== agent.identifyingAttributes ||
      state.nonIdentifyingAttributes !== agent.nonIdentifyingAttributes
    ) {
      state.desired = desiredSettings(agent, this.rules.current, this.config.opampHeartbeatSeconds);
      state.rulesVersion = this.rules.version;
      state.capabilities = agent.capabilities;
      state.labels = agent.labels;
      state.identifyingAttributes = agent.identifyingAttributes;
      state.nonIdentifyingAttributes = agent.nonIdentifyingAttributes;
    }
    return state.desired;
  }

  /**
   * The operator changed the rules: offer the changed parts to the WebSocket agents held here
   * (HTTP agents get them with their next poll, on any instance). Bounded: one claim query per
   * BATCH agents, and the event loop gets a turn between batches.
   */
  private async reofferHeld(): Promise<void> {
    const held = this.gateway.heldWebSocketAgents();
    for (let start = 0; start < held.length; start += BATCH) {
      const batch: Array<{
        instanceUid: string;
        hash: string;
        parts: HeldSettings['parts'];
        offer: DesiredSettings['offer'];
      }> = [];
      for (const agent of held.slice(start, start + BATCH)) {
        const state = this.states.get(agent.instanceUid);
        if (!state) {
          continue;
        }
        const desired = this.desiredFor(agent, state);
        if (desired.hash !== null && desired.hash !== state.held.hash) {
          const offer = offerFor(desired, state.held.parts);
          batch.push({ instanceUid: agent.instanceUid, hash: desired.hash, parts: desired.parts, offer });
          state.held = { hash: desired.hash, parts: desired.parts };
        }
      }
      const claimed = await this.repository.claimOffers(batch);
      for (const entry of batch) {
        if (claimed.has(entry.instanceUid)) {
          await this.gateway.send(entry.instanceUid, {
            connection_settings: { hash: Buffer.from(entry.hash, 'hex'), ...entry.offer },
          });
        }
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
