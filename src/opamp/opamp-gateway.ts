import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AgentOutbox } from './agent-outbox.js';
import type { AgentSnapshot } from './agent-message-handlers.js';
import type { AgentSession } from './agent-session.js';
import { OpampMetrics } from './opamp-metrics.js';
import { completeOpampOffer, presentedBy } from './presented-connection.js';
import { OpampCodec, PreparedServerToAgent } from './proto/opamp-codec.js';
import type { ServerToAgent, ServerToAgentDraft } from './proto/opamp.types.js';
import { SessionRegistry } from './session-registry.js';

const RECHECK_MS = 30_000;

/**
 * How features reach agents, wherever they are connected. A WebSocket agent held by this
 * instance gets the message at once; anything else goes through the PostgreSQL outbox: the
 * instance holding the WebSocket is woken by NOTIFY and forwards it, and an HTTP agent gets it
 * with the answer to its next poll, on whichever instance that lands.
 */
@Injectable()
export class OpampGateway implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OpampGateway.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly sessions: SessionRegistry,
    private readonly codec: OpampCodec,
    private readonly metrics: OpampMetrics,
    private readonly outbox: AgentOutbox,
  ) {}

  onApplicationBootstrap(): void {
    this.outbox.onMessageQueued((instanceUid) => void this.deliverQueued(instanceUid));
    this.outbox.onReconnect(() => void this.recheck());
    this.timer = setInterval(() => void this.recheck(), RECHECK_MS);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** True when this instance holds the agent's connection (WebSocket) or recent polls (HTTP). */
  isConnected(instanceUid: string): boolean {
    return this.sessions.get(instanceUid) !== undefined;
  }

  /** The agent's capabilities as last reported, if it is connected here. */
  capabilitiesOf(instanceUid: string): number | undefined {
    return this.sessions.get(instanceUid)?.snapshot.capabilities;
  }

  /** The WebSocket agents this instance holds, as last reported (features wake them with new state). */
  heldWebSocketAgents(): AgentSnapshot[] {
    const held: AgentSnapshot[] = [];
    for (const session of this.sessions.values()) {
      if (session.socket?.open) {
        held.push(session.snapshot);
      }
    }
    return held;
  }

  /** What the agent last reported about its remote config, if it is connected here. */
  remoteConfigOf(instanceUid: string): { hash: string | null; status: string | null } | undefined {
    const snapshot = this.sessions.get(instanceUid)?.snapshot;
    return snapshot && { hash: snapshot.remoteConfigHash, status: snapshot.remoteConfigStatus };
  }

  /**
   * Sends now when this instance holds the agent's WebSocket, else queues for delivery by the
   * instance that does, or for the next poll. Callers check that the agent is online first:
   * a queued message expires after OUTBOX_TTL_SECONDS.
   */
  async send(instanceUid: string, message: ServerToAgentDraft | PreparedServerToAgent): Promise<boolean> {
    const session = this.sessions.get(instanceUid);
    if (session?.socket?.open) {
      return this.write(session, message);
    }
    await this.outbox.enqueue(instanceUid, message instanceof PreparedServerToAgent ? message.draft : message);
    if (session) {
      session.hasQueued = true; // our own notification may arrive after the agent's next poll
    }
    return true;
  }

  /** Everything queued for the agent, taken from the outbox (exactly once across instances). */
  takeQueued(session: AgentSession): Promise<ServerToAgentDraft[]> {
    session.hasQueued = false;
    return this.outbox.take(session.instanceUid);
  }

  /** Forwards queued messages to a WebSocket agent held here; flags an HTTP agent's next poll. */
  async deliverQueued(instanceUid: string): Promise<void> {
    const session = this.sessions.get(instanceUid);
    if (!session) {
      return;
    }
    if (!session.socket?.open) {
      session.hasQueued = true;
      return;
    }
    try {
      for (const draft of await this.takeQueued(session)) {
        await this.write(session, draft);
      }
    } catch (error) {
      this.logger.warn(`Delivering queued messages to ${instanceUid} failed: ${(error as Error).message}`);
    }
  }

  private async write(session: AgentSession, message: ServerToAgentDraft | PreparedServerToAgent): Promise<boolean> {
    try {
      await session.socket!.sendFrame(this.frame(session, message));
      this.metrics.sent.websocket.inc();
      return true;
    } catch (error) {
      this.logger.warn(`Could not send to ${session.instanceUid}: ${(error as Error).message}`);
      return false;
    }
  }

  private frame(session: AgentSession, message: ServerToAgentDraft | PreparedServerToAgent): Uint8Array {
    const draft = message instanceof PreparedServerToAgent ? message.draft : message;
    const completed = completeOpampOffer(draft, presentedBy(session));
    // Prepared bytes are the agent's own unless an OpAMP offer was completed for its connection.
    if (message instanceof PreparedServerToAgent && completed === draft) {
      return message.frameFor(session.uid);
    }
    const whole: ServerToAgent = { ...completed, instance_uid: session.uid };
    return this.codec.encodeServerToAgentFrame(whole);
  }

  /** Heals notifications lost while the LISTEN connection was down. */
  private async recheck(): Promise<void> {
    try {
      await this.outbox.expire();
      for (const instanceUid of await this.outbox.agentsWithMessages()) {
        await this.deliverQueued(instanceUid);
      }
    } catch (error) {
      this.logger.warn(`Outbox re-check failed: ${(error as Error).message}`);
    }
  }
}

/**
 * Folds queued drafts into the reply to an HTTP poll. A command must travel alone, so when one
 * is queued it is the whole reply and the rest waits for the next poll (unless the reply offers
 * connection settings, see below).
 */
export function mergeQueued(
  queued: ServerToAgentDraft[],
  reply: ServerToAgentDraft,
): { reply: ServerToAgentDraft; requeue: ServerToAgentDraft[] } {
  const commandIndex = queued.findIndex((draft) => draft.command !== undefined);
  // Connection settings are never queued (they may carry credentials): when the reply has some,
  // it goes now and the command waits for the next poll.
  if (commandIndex >= 0 && reply.connection_settings) {
    const merged = mergeQueued(
      queued.filter((_, i) => i !== commandIndex),
      reply,
    );
    return { reply: merged.reply, requeue: [...merged.requeue, queued[commandIndex]] };
  }
  if (commandIndex >= 0) {
    const rest = queued.filter((_, i) => i !== commandIndex);
    const { capabilities, ...deferred } = reply;
    const requeue = Object.keys(deferred).length > 0 ? [...rest, deferred] : rest;
    return { reply: { command: queued[commandIndex].command, capabilities }, requeue };
  }
  // A reply carries one custom message: the others wait for the next polls, in order.
  const withMessage = queued.filter((draft) => draft.custom_message !== undefined);
  const later = withMessage.slice(1).map(({ custom_message }) => ({ custom_message }));
  const folded = queued.map((draft) =>
    draft.custom_message !== undefined && draft !== withMessage[0] ? { ...draft, custom_message: undefined } : draft,
  );
  const merged: ServerToAgentDraft = {};
  let flags = 0;
  // Later drafts win; the handlers' reply is the freshest view, so it goes last.
  for (const draft of [...folded, reply]) {
    for (const [key, value] of Object.entries(draft)) {
      if (value !== undefined) {
        (merged as Record<string, unknown>)[key] = value;
      }
    }
    flags |= draft.flags ?? 0;
  }
  return { reply: { ...merged, flags: flags || undefined }, requeue: later };
}
