import { BeforeApplicationShutdown, Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import {
  AgentMessageHandlers,
  type AgentMessageContext,
  type AgentMessageHandler,
  type AgentSnapshot,
} from '../opamp/agent-message-handlers.js';
import { AgentEvents } from './agent-events.js';
import { applyMessage, newRecord, type AgentRecord } from './agent-record.js';
import { AgentWriteQueue } from './agent-write-queue.js';
import { InstanceIdentity } from './instance-identity.js';

type RemoteStatus = AgentSnapshot['remoteConfigStatus'];

/**
 * Keeps the `agents` table in step with what agents report. Runs first among the message
 * handlers: it loads the server-side labels into the snapshot the later handlers match on.
 */
@Injectable()
export class AgentInventoryHandler implements AgentMessageHandler, OnModuleInit, BeforeApplicationShutdown {
  readonly name = 'inventory';
  private readonly records = new Map<string, { record: AgentRecord; snapshot: AgentSnapshot }>();
  private readonly queue: AgentWriteQueue;

  constructor(
    private readonly handlers: AgentMessageHandlers,
    private readonly events: AgentEvents,
    dataSource: DataSource,
    config: AppConfig,
    identity: InstanceIdentity,
  ) {
    const touchDelay = Math.min(5000, Math.max(200, (config.opampHeartbeatSeconds * 1000) / 3));
    this.queue = new AgentWriteQueue(dataSource, identity.id, touchDelay);
  }

  onModuleInit(): void {
    this.handlers.register(this, 0);
  }

  /** After the OpAMP server said goodbye (onModuleDestroy), before TypeORM closes (onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.queue.markAllOffline();
  }

  async handle(context: AgentMessageContext): Promise<void> {
    const uid = context.agent.instanceUid;
    const known = this.records.get(uid);
    if (context.firstMessage || !known) {
      const record = newRecord(context.agent, context.transport, new Date());
      applyMessage(record, context.agent, context.message);
      this.records.set(uid, { record, snapshot: context.agent });
      const stored = await this.queue.upsert(record, true);
      if (!stored) {
        throw new Error(`could not store agent ${uid}`);
      }
      context.agent.labels = stored.labels;
      if (!context.message.agent_description) {
        // Compressed first message (we restarted, or it moved here): the later handlers match
        // selectors on attributes, so give them the last description the agent reported.
        context.agent.identifyingAttributes = stored.identifying_attributes;
        context.agent.nonIdentifyingAttributes = stored.non_identifying_attributes;
      }
      if (!context.message.remote_config_status && context.agent.remoteConfigHash === null) {
        // Compressed first message after a reconnect: what we stored is the agent's last report.
        context.agent.remoteConfigHash = stored.remote_config_hash;
        context.agent.remoteConfigStatus = stored.remote_config_status as RemoteStatus;
        context.agent.remoteConfigError = stored.remote_config_error;
      }
      this.events.emit({ type: 'connected', instanceUid: uid });
      return;
    }
    if (applyMessage(known.record, context.agent, context.message)) {
      this.queue.upsert(known.record, false);
      this.events.emit({ type: 'status', instanceUid: uid });
    } else {
      this.queue.touch(known.record);
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
