import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { hexHashes as hashes } from '../common/interner.js';
import { AppConfig } from '../config/app-config.js';
import { AgentMessageHandler, type AgentMessageContext, type AgentSnapshot } from '../opamp/agent-message-handlers.js';
import { HandlerOrder } from '../opamp/handler-order.js';
import {
  ServerCapabilities,
  ServerToAgentFlags,
  type AgentToServer,
  type ServerToAgentDraft,
} from '../opamp/proto/opamp.types.js';
import { SecretRedactor, type ConfigEntry } from '../redaction/secret-redactor.js';
import { AgentEvents } from './agent-events.js';
import { applyMessage, effectiveConfigOf, newRecord, type AgentRecord } from './agent-record.js';
import { AgentWriteQueue } from './agent-write-queue.js';
import { InstanceIdentity } from './instance-identity.js';

type RemoteStatus = AgentSnapshot['remoteConfigStatus'];

/** Distinct effective configs whose redaction is kept; past this the cache starts over. */
const REDACTIONS_KEPT = 64;

/** Told when an agent's effective config changed (already redacted), before later handlers run. */
export type EffectiveConfigListener = (
  instanceUid: string,
  config: Record<string, ConfigEntry>,
  /** Each file parsed (redacted), undefined for text. */
  parsed: Record<string, unknown>,
) => void;

/**
 * Keeps the `agents` table in step with what agents report. Runs first among the message
 * handlers: it loads the server-side labels into the snapshot the later handlers match on.
 */
@Injectable()
@AgentMessageHandler(HandlerOrder.Inventory, { capabilities: ServerCapabilities.AcceptsEffectiveConfig })
export class AgentInventoryHandler implements AgentMessageHandler, BeforeApplicationShutdown {
  readonly name = 'inventory';
  private readonly records = new Map<
    string,
    { record: AgentRecord; snapshot: AgentSnapshot; componentsHash?: string | null }
  >();
  private readonly queue: AgentWriteQueue;
  private readonly effectiveListeners: EffectiveConfigListener[] = [];
  /** Recent redactions by fingerprint (see storeEffectiveConfig). */
  private readonly redactions = new Map<string, ReturnType<SecretRedactor['redactMapParsed']>>();

  constructor(
    private readonly events: AgentEvents,
    private readonly redactor: SecretRedactor,
    dataSource: DataSource,
    config: AppConfig,
    identity: InstanceIdentity,
  ) {
    const touchDelay = Math.min(5000, Math.max(200, (config.opampHeartbeatSeconds * 1000) / 3));
    this.queue = new AgentWriteQueue(dataSource, identity.id, touchDelay);
  }

  /** After the OpAMP server said goodbye (onModuleDestroy), before TypeORM closes (onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.queue.markAllOffline();
  }

  onEffectiveConfigChanged(listener: EffectiveConfigListener): void {
    this.effectiveListeners.push(listener);
  }

  /** The agent's redacted effective config while it is not yet written (else the row has it). */
  unwrittenEffectiveConfig(instanceUid: string): Record<string, ConfigEntry> | null {
    return this.records.get(instanceUid)?.record.effective_config ?? null;
  }

  /**
   * What this instance knows of a connected agent's remote config and effective config that its
   * row may not say yet (rows are written in batches, up to a few hundred ms later).
   */
  liveReport(
    instanceUid: string,
  ):
    | { effective?: Record<string, ConfigEntry>; remoteConfigHash?: string | null; remoteConfigStatus?: string | null }
    | undefined {
    const record = this.records.get(instanceUid)?.record;
    if (!record) {
      return undefined;
    }
    return {
      ...(record.effective_config ? { effective: record.effective_config } : {}),
      // Null until the agent reports a status on this connection: the row's is the latest then.
      ...(record.remote_config_status !== null
        ? { remoteConfigHash: record.remote_config_hash, remoteConfigStatus: record.remote_config_status }
        : {}),
    };
  }

  /** Synchronous for a known agent (writes are queued, not awaited): only a first message waits. */
  handle(context: AgentMessageContext, reply: ServerToAgentDraft): Promise<void> | undefined {
    const uid = context.agent.instanceUid;
    const known = this.records.get(uid);
    const reported = context.message.effective_config
      ? effectiveConfigOf(context.message.effective_config.config_map)
      : undefined;
    // A keyed hash of what the agent reported: redaction (a YAML parse) runs only when it changed.
    const fingerprint = reported && this.redactor.fingerprint(reported);
    if (context.firstMessage || !known) {
      return this.handleFirst(context, reply, reported, fingerprint);
    }
    let changed = applyMessage(known.record, context.agent, context.message);
    // The components themselves are dropped once written (AgentWriteQueue): their hash is kept here.
    const componentsHash = availableHash(known.record.available_components);
    if (componentsHash !== undefined) {
      known.componentsHash = hashes.of(componentsHash);
    }
    if (reported && fingerprint !== known.record.effective_config_hash) {
      this.storeEffectiveConfig(known.record, reported, fingerprint!);
      changed = true;
    }
    this.askForComponents(context.message, known.componentsHash ?? null, reply);
    if (changed) {
      this.queue.upsert(known.record, false);
      this.events.emit({ type: 'status', instanceUid: uid });
    } else {
      this.queue.touch(known.record);
    }
    return undefined;
  }

  private async handleFirst(
    context: AgentMessageContext,
    reply: ServerToAgentDraft,
    reported: Record<string, ConfigEntry> | undefined,
    fingerprint: string | undefined,
  ): Promise<void> {
    const uid = context.agent.instanceUid;
    const record = newRecord(context.agent, context.transport, new Date());
    applyMessage(record, context.agent, context.message);
    // Every field from the start: one added later would take a property array per agent.
    const entry: { record: AgentRecord; snapshot: AgentSnapshot; componentsHash?: string | null } = {
      record,
      snapshot: context.agent,
      componentsHash: undefined,
    };
    this.records.set(uid, entry);
    const stored = await this.queue.upsert(record, true);
    if (stored instanceof Error) {
      // Not known until stored: the next message tries the first write again.
      this.records.delete(uid);
      throw stored;
    }
    entry.componentsHash = stored.available_components_hash && hashes.of(stored.available_components_hash);
    record.effective_config_hash = stored.effective_config_hash && hashes.of(stored.effective_config_hash);
    if (reported && fingerprint !== stored.effective_config_hash) {
      // A new or changed config: written with the next few-millisecond batch, not awaited, so the
      // reply does not wait for a second write. An unchanged one (a reconnect) is not touched.
      this.storeEffectiveConfig(record, reported, fingerprint!);
      void this.queue.upsert(record, true);
    }
    this.askForComponents(context.message, stored.available_components_hash, reply);
    context.agent.labels = stored.labels;
    if (!context.message.agent_description) {
      // Compressed first message (we restarted, or it moved here): the later handlers match
      // selectors on attributes, so give them the last description the agent reported.
      // Null: the record carried the snapshot's (a description since), and those are stored.
      context.agent.identifyingAttributes = stored.identifying_attributes ?? context.agent.identifyingAttributes;
      context.agent.nonIdentifyingAttributes =
        stored.non_identifying_attributes ?? context.agent.nonIdentifyingAttributes;
    }
    if (!context.message.remote_config_status && context.agent.remoteConfigHash === null) {
      // Compressed first message after a reconnect: what we stored is the agent's last report.
      context.agent.remoteConfigHash = stored.remote_config_hash && hashes.of(stored.remote_config_hash);
      context.agent.remoteConfigStatus = stored.remote_config_status as RemoteStatus;
      context.agent.remoteConfigError = stored.remote_config_error;
    }
    this.events.emit({ type: 'connected', instanceUid: uid });
  }

  private storeEffectiveConfig(record: AgentRecord, reported: Record<string, ConfigEntry>, fingerprint: string): void {
    // A fleet runs a handful of distinct configs: the same content (same keyed fingerprint) is
    // redacted once, not at every agent's first connect. Results are shared and never mutated.
    let redaction = this.redactions.get(fingerprint);
    if (!redaction) {
      redaction = this.redactor.redactMapParsed(reported);
      if (this.redactions.size >= REDACTIONS_KEPT) {
        this.redactions.clear();
      }
      this.redactions.set(fingerprint, redaction);
    }
    const { redacted, parsed } = redaction;
    record.effective_config = redacted;
    record.effective_config_hash = hashes.of(fingerprint);
    for (const listener of this.effectiveListeners) {
      listener(record.instance_uid, redacted, parsed);
    }
  }

  /** Status compression of components: a hash we do not hold the components of is answered with a request. */
  private askForComponents(message: AgentToServer, storedHash: string | null, reply: ServerToAgentDraft): void {
    const reported = message.available_components;
    if (!reported?.hash || Object.keys(reported.components ?? {}).length > 0) {
      return;
    }
    if (Buffer.from(reported.hash).toString('hex') !== storedHash) {
      reply.flags = (reply.flags ?? 0) | ServerToAgentFlags.ReportAvailableComponents;
    }
  }

  disconnected(instanceUid: string): Promise<void> {
    this.records.delete(instanceUid);
    this.queue.markOffline(instanceUid);
    this.events.emit({ type: 'disconnected', instanceUid });
    return Promise.resolve();
  }

  /** Server-side labels changed through the API: later handlers match on the new ones at once. */
  labelsChanged(instanceUid: string, labels: Record<string, string>): void {
    const live = this.records.get(instanceUid);
    if (live) {
      live.snapshot.labels = labels;
    }
  }

  /** Writes everything pending (tests and shutdown). */
  flush(): Promise<void> {
    return this.queue.drain();
  }
}

function availableHash(components: unknown): string | undefined {
  const hash = (components as { hash?: unknown } | null)?.hash;
  return typeof hash === 'string' ? hash : undefined;
}
