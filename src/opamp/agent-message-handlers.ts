import { Injectable } from '@nestjs/common';
import type { HandlerOrder } from './handler-order.js';
import { ServerCapabilities, type AgentToServer, type ServerToAgentDraft } from './proto/opamp.types.js';

/** An agent's state as the server knows it after merging a (possibly compressed) message. */
export interface AgentSnapshot {
  /** Canonical UUID text of the 16-byte instance_uid. */
  instanceUid: string;
  /**
   * The low 32 bits of the reported capabilities, for bit tests with AgentCapabilities (every
   * defined bit is below 2^16); the exact uint64 is stored with the agent.
   */
  capabilities: number;
  identifyingAttributes: Record<string, string>;
  nonIdentifyingAttributes: Record<string, string>;
  /** Server-side labels set through the REST API. */
  labels: Record<string, string>;
  /** Hex of the agent's remote_config_status.last_remote_config_hash, if it reported one. */
  remoteConfigHash: string | null;
  remoteConfigStatus: 'UNSET' | 'APPLIED' | 'APPLYING' | 'FAILED' | null;
  remoteConfigError: string | null;
}

/** What a handler learns about one received AgentToServer. */
export interface AgentMessageContext {
  agent: AgentSnapshot;
  /** The decoded message; fields the agent left out (status compression) are undefined. */
  message: AgentToServer;
  transport: 'websocket' | 'http';
  /** True for the first message of a connection (WebSocket) or after the agent was offline (HTTP). */
  firstMessage: boolean;
}

/**
 * A feature's part in answering agents. The OpAMP module calls every registered handler, in
 * order, for each message after the inventory has been updated; a handler may add fields to the
 * reply (remote_config, packages_available, flags...). Handlers must be quick: they run on the
 * hot path of every heartbeat, so compare in memory and touch the database only on change. A
 * handler with nothing to wait for returns undefined instead of a promise: a heartbeat that no
 * handler waits on is answered without a microtask per handler.
 */
export interface AgentMessageHandler {
  readonly name: string;
  /** The ServerCapabilities bits this feature brings (announced in every first reply). */
  readonly capabilities?: number;
  handle(context: AgentMessageContext, reply: ServerToAgentDraft): Promise<void> | void;
  /** Called when an agent's connection closes or it disconnects. */
  disconnected?(instanceUid: string): Promise<void>;
}

/** The credentials an agent presented: the enrollment key from its Authorization header. */
export type AgentAuthentication = { ok: true; keyId?: string } | { ok: false; reason: string };

/** Checks an agent's enrollment key; provided by a feature (the OpAMP module knows no key store). */
export interface AgentAuthenticator {
  verify(key: string): Promise<AgentAuthentication>;
}

/**
 * How features plug into OpAMP, registered from their onModuleInit: message handlers (with the
 * server capabilities they bring) and the agent authenticator. OpAMP imports no feature module.
 */
@Injectable()
export class AgentMessageHandlers {
  private readonly entries: Array<{ order: number; handler: AgentMessageHandler }> = [];
  /** Rebuilt on registration only: every message walks this list. */
  private ordered: readonly AgentMessageHandler[] = [];
  private capabilityBits: number = ServerCapabilities.AcceptsStatus;
  private keyAuthenticator?: AgentAuthenticator;

  /** Lower order runs first; the orders are the named constants of HandlerOrder. */
  register(handler: AgentMessageHandler, order: HandlerOrder): void {
    this.entries.push({ order, handler });
    this.entries.sort((a, b) => a.order - b.order);
    this.ordered = this.entries.map((entry) => entry.handler);
    this.capabilityBits |= handler.capabilities ?? 0;
  }

  /** One authenticator per app; a second registration is a wiring bug. */
  registerAuthenticator(authenticator: AgentAuthenticator): void {
    if (this.keyAuthenticator) {
      throw new Error('an agent authenticator is already registered');
    }
    this.keyAuthenticator = authenticator;
  }

  all(): readonly AgentMessageHandler[] {
    return this.ordered;
  }

  /** What this server offers and accepts: status, plus whatever the registered features bring. */
  get serverCapabilities(): number {
    return this.capabilityBits;
  }

  get authenticator(): AgentAuthenticator | undefined {
    return this.keyAuthenticator;
  }
}
