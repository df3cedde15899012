import { Injectable, OnModuleInit } from '@nestjs/common';
import { AgentInventoryHandler } from '../agents/agent-inventory.handler.js';
import type { AssignmentChange } from '../configurations/assignment.store.js';
import { ConfigChangeListener, ConfigListenerOrder } from '../configurations/config-change-notifier.js';
import { AgentMessageHandler, type AgentMessageContext } from '../opamp/agent-message-handlers.js';
import type { ConfigEntry } from '../redaction/secret-redactor.js';
import { DriftService } from './drift.service.js';
import { HandlerOrder } from '../opamp/handler-order.js';

/**
 * When drift is recomputed: the inventory says the effective config changed, the agent reports
 * the result of applying a config, or the agent's desired configuration changed (committed on
 * this instance, whichever instance holds the agent: the state is in its row). Heartbeats cost a
 * map lookup.
 */
@Injectable()
// After configurations (10): the assignment of a first message has been recomputed.
@AgentMessageHandler(HandlerOrder.Drift)
@ConfigChangeListener(ConfigListenerOrder.Drift)
export class DriftHandler implements AgentMessageHandler, ConfigChangeListener, OnModuleInit {
  readonly name = 'drift';
  /** Effective configs that changed with the message being handled. */
  private readonly changed = new Map<
    string,
    { effective: Record<string, ConfigEntry>; effectiveParsed: Record<string, unknown> }
  >();

  constructor(
    private readonly inventory: AgentInventoryHandler,
    private readonly drift: DriftService,
  ) {}

  onModuleInit(): void {
    this.inventory.onEffectiveConfigChanged((uid, effective, effectiveParsed) =>
      this.changed.set(uid, { effective, effectiveParsed }),
    );
  }

  handle(context: AgentMessageContext): undefined {
    const { agent, message } = context;
    const changed = this.changed.get(agent.instanceUid);
    const status = agent.remoteConfigStatus;
    const applyResult = message.remote_config_status !== undefined && (status === 'APPLIED' || status === 'FAILED');
    if (changed || applyResult) {
      this.changed.delete(agent.instanceUid);
      this.drift.schedule(agent.instanceUid, {
        ...changed,
        remoteConfigHash: agent.remoteConfigHash,
        remoteConfigStatus: agent.remoteConfigStatus,
        capabilities: agent.capabilities,
      });
    }
    return undefined;
  }

  disconnected(instanceUid: string): Promise<void> {
    this.changed.delete(instanceUid);
    return Promise.resolve();
  }

  assignmentsChanged(changes: AssignmentChange[]): Promise<void> {
    changes.forEach((change) => this.drift.schedule(change.instanceUid));
    return Promise.resolve();
  }
}
