import { Injectable, Logger } from '@nestjs/common';
import { hexHashes } from '../common/interner.js';
import { AgentMessageHandlers, type AgentMessageContext, type AgentSnapshot } from './agent-message-handlers.js';
import { AgentSession, type AgentSocket } from './agent-session.js';
import { flattenAttributes } from './attributes.js';
import { AgentOutbox } from './agent-outbox.js';
import { mergeQueued, OpampGateway } from './opamp-gateway.js';
import { completeOpampOffer, rememberPresented } from './presented-connection.js';
import {
  AgentToServerFlags,
  REMOTE_CONFIG_STATUS_NAMES,
  ServerErrorResponseType,
  ServerToAgentFlags,
  type AgentToServer,
  type ServerToAgent,
  type ServerToAgentDraft,
} from './proto/opamp.types.js';
import { SessionRegistry } from './session-registry.js';
import { hasBit, lowBits, nextSequence } from './uint64.js';
import { uuidFromBytes, uuidv7Bytes } from './uuid.js';

/** Where a message came from: the same for every message of one WebSocket, fresh per HTTP poll. */
export interface InboundContext {
  transport: 'websocket' | 'http';
  socket?: AgentSocket;
  /** The URL the agent used (the endpoint of an `opamp` connection-settings offer). */
  endpoint: string;
  /**
   * The Authorization header it presented: put into an `opamp` offer when it is sent (offered
   * headers replace the agent's own), held in memory only, never stored.
   */
  authorization?: string;
}

export interface HandledMessage {
  reply: ServerToAgent;
  /** The session the message belongs to, once the agent has a stable identity. */
  session?: AgentSession;
  /** For a WebSocket agent's first message: forwards what was queued for it, after the reply. */
  afterReply?: () => Promise<void>;
}

/**
 * The protocol rules of the server side of OpAMP, shared by both transports: identity
 * (duplicates, RequestInstanceUid), sequence numbers and status compression, capabilities in
 * the first reply, then the feature handlers in order (connection settings, with the heartbeat
 * interval, are a feature's: offered when they change, not on every connection).
 */
@Injectable()
export class OpampMessageService {
  private readonly logger = new Logger(OpampMessageService.name);

  constructor(
    private readonly sessions: SessionRegistry,
    private readonly handlers: AgentMessageHandlers,
    private readonly gateway: OpampGateway,
    private readonly outbox: AgentOutbox,
  ) {}

  /**
   * Synchronous while every handler is (a heartbeat of an agent in sync): no promise per message.
   * From the first handler that has to wait, the rest run after it, in order. Throws (or rejects)
   * when a handler fails; the session is then handled as new at its next message.
   */
  handle(message: AgentToServer, inbound: InboundContext): HandledMessage | Promise<HandledMessage> {
    const uid = message.instance_uid;
    if (!uid || uid.length !== 16) {
      return { reply: badRequest(uid, `instance_uid must be 16 bytes, got ${uid?.length ?? 0}`) };
    }
    const instanceUid = uuidFromBytes(uid);
    let session = this.sessions.get(instanceUid);
    // Another live WebSocket already speaks for this uid: the newcomer is a copy (cloned VM, copied state).
    const duplicate = session?.socket?.open === true && session.socket !== inbound.socket;
    if (hasBit(message.flags, AgentToServerFlags.RequestInstanceUid) || duplicate) {
      // The agent gets a fresh identity and reports full state under it; nothing is stored for this uid.
      return {
        reply: {
          instance_uid: uid,
          capabilities: this.handlers.serverCapabilities,
          agent_identification: { new_instance_uid: uuidv7Bytes() },
          flags: ServerToAgentFlags.ReportFullState,
        },
      };
    }
    const firstMessage =
      !session || session.socket !== inbound.socket || session.transport !== inbound.transport || session.resync;
    if (!session) {
      // A copy: the decoded uid is a view into the whole received frame, which it would keep alive
      // (a first message with a description and effective config is kilobytes) for the session's life.
      session = new AgentSession(Uint8Array.from(uid), emptySnapshot(instanceUid), inbound.transport, inbound.socket);
    }
    session.resync = false;
    session.transport = inbound.transport;
    session.socket = inbound.socket;
    if (firstMessage || inbound.transport === 'http') {
      rememberPresented(session, inbound); // a WebSocket's endpoint and header stay those of its upgrade
    }
    this.sessions.set(session);
    const reply: ServerToAgentDraft = {};
    if (this.needsFullState(session, message, firstMessage)) {
      reply.flags = ServerToAgentFlags.ReportFullState;
    }
    session.lastSequence = message.sequence_num ?? 0n;
    session.lastSeen = Date.now();
    applyStatus(session.snapshot, message);
    const context: AgentMessageContext = {
      agent: session.snapshot,
      message,
      transport: inbound.transport,
      firstMessage,
    };
    const handlers = this.handlers.all();
    for (let index = 0; index < handlers.length; index++) {
      let pending: Promise<void> | void;
      try {
        pending = handlers[index].handle(context, reply);
      } catch (error) {
        session.resync = true;
        throw error;
      }
      if (pending !== undefined) {
        return this.continueAfter(pending, index + 1, context, session, reply, inbound);
      }
    }
    return this.finish(session, reply, inbound, firstMessage);
  }

  /** The handlers after one that had to wait, each awaited in turn (it rarely happens twice). */
  private async continueAfter(
    pending: Promise<void>,
    next: number,
    context: AgentMessageContext,
    session: AgentSession,
    reply: ServerToAgentDraft,
    inbound: InboundContext,
  ): Promise<HandledMessage> {
    const handlers = this.handlers.all();
    try {
      await pending;
      for (let index = next; index < handlers.length; index++) {
        const more = handlers[index].handle(context, reply);
        if (more !== undefined) {
          await more;
        }
      }
    } catch (error) {
      // Whatever the handlers did not finish is redone as for a first message: not left half-known.
      session.resync = true;
      throw error;
    }
    return this.finish(session, reply, inbound, context.firstMessage);
  }

  private finish(
    session: AgentSession,
    reply: ServerToAgentDraft,
    inbound: InboundContext,
    firstMessage: boolean,
  ): HandledMessage | Promise<HandledMessage> {
    if (firstMessage) {
      reply.capabilities = this.handlers.serverCapabilities;
    }
    if (inbound.transport === 'websocket') {
      const instanceUid = session.instanceUid;
      const afterReply = firstMessage ? () => this.gateway.deliverQueued(instanceUid) : undefined;
      return { reply: addressed(completeOpampOffer(reply, inbound), session), session, afterReply };
    }
    if (!firstMessage && !session.hasQueued) {
      return { reply: addressed(completeOpampOffer(reply, inbound), session), session };
    }
    return this.withQueued(session, reply).then((draft) => ({
      reply: addressed(completeOpampOffer(draft, inbound), session),
      session,
    }));
  }

  /** An HTTP poll answers with what was queued for the agent, whichever instance queued it. */
  private async withQueued(session: AgentSession, reply: ServerToAgentDraft): Promise<ServerToAgentDraft> {
    const queued = await this.gateway.takeQueued(session);
    if (queued.length === 0) {
      return reply;
    }
    const merged = mergeQueued(queued, reply);
    for (const draft of merged.requeue) {
      await this.outbox.enqueue(session.instanceUid, draft);
    }
    return merged.reply;
  }

  /** Called when a WebSocket closes or an agent says goodbye: forget it and tell the features. */
  async disconnect(session: AgentSession): Promise<void> {
    if (!this.sessions.delete(session)) {
      return;
    }
    for (const handler of this.handlers.all()) {
      await handler.disconnected?.(session.instanceUid).catch((error: unknown) => {
        this.logger.error({ err: error }, `${handler.name} failed on disconnect of ${session.instanceUid}`);
      });
    }
  }

  /**
   * Status compression: an agent sends only what changed, so the server must have seen every
   * message. A gap in sequence_num, or a first message here without a description (we restarted
   * or the agent moved instances), means our picture may be stale: ask for everything.
   */
  private needsFullState(session: AgentSession, message: AgentToServer, firstMessage: boolean): boolean {
    const sequence = message.sequence_num ?? 0n;
    if (firstMessage) {
      return message.agent_description === undefined;
    }
    return session.lastSequence !== undefined && sequence !== nextSequence(session.lastSequence);
  }
}

/** The draft, built for this one message, becomes the reply in place (no copy per message). */
function addressed(draft: ServerToAgentDraft, session: AgentSession): ServerToAgent {
  const reply = draft as ServerToAgent;
  reply.instance_uid = session.uid;
  return reply;
}

function emptySnapshot(instanceUid: string): AgentSnapshot {
  return {
    instanceUid,
    capabilities: 0,
    identifyingAttributes: {},
    nonIdentifyingAttributes: {},
    labels: {},
    remoteConfigHash: null,
    remoteConfigStatus: null,
    remoteConfigError: null,
  };
}

/** Merges the fields the agent sent into the snapshot; absent fields mean "unchanged". */
function applyStatus(snapshot: AgentSnapshot, message: AgentToServer): void {
  if (message.capabilities !== undefined) {
    snapshot.capabilities = lowBits(message.capabilities);
  }
  if (message.agent_description) {
    snapshot.identifyingAttributes = flattenAttributes(message.agent_description.identifying_attributes);
    snapshot.nonIdentifyingAttributes = flattenAttributes(message.agent_description.non_identifying_attributes);
  }
  const status = message.remote_config_status;
  if (status) {
    const hash = status.last_remote_config_hash;
    snapshot.remoteConfigHash = hash && hash.length > 0 ? hexHashes.of(Buffer.from(hash).toString('hex')) : null;
    snapshot.remoteConfigStatus = REMOTE_CONFIG_STATUS_NAMES[status.status ?? 0] ?? 'UNSET';
    snapshot.remoteConfigError = status.error_message || null;
  }
}

export function badRequest(uid: Uint8Array | undefined, message: string): ServerToAgent {
  return {
    instance_uid: uid ?? new Uint8Array(0),
    error_response: { type: ServerErrorResponseType.BadRequest, error_message: message },
  };
}
