import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { discoverHooks } from '../common/discovered-hooks.js';
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
 * A feature's part in answering agents. The OpAMP module calls every handler, in order, for each
 * message after the inventory has been updated; a handler may add fields to the reply
 * (remote_config, packages_available, flags...). Handlers must be quick: they run on the hot path
 * of every heartbeat, so compare in memory and touch the database only on change. A handler with
 * nothing to wait for returns undefined instead of a promise: a heartbeat that no handler waits on
 * is answered without a microtask per handler.
 */
export interface AgentMessageHandler {
  readonly name: string;
  handle(context: AgentMessageContext, reply: ServerToAgentDraft): Promise<void> | void;
  /** Called when an agent's connection closes or it disconnects. */
  disconnected?(instanceUid: string): Promise<void>;
}

/** What @AgentMessageHandler says about a handler. */
export interface AgentMessageHandlerOptions {
  /** Lower runs first: one of the named constants of HandlerOrder. */
  order: HandlerOrder;
  /** The ServerCapabilities bits this feature brings (announced in every first reply). */
  capabilities?: number;
}

const MESSAGE_HANDLER = DiscoveryService.createDecorator<AgentMessageHandlerOptions>();

/**
 * Marks a provider as an OpAMP message handler: AgentMessageHandlers finds it at bootstrap and
 * calls it for every message at its place in HandlerOrder.
 */
export const AgentMessageHandler = (
  order: HandlerOrder,
  options: Omit<AgentMessageHandlerOptions, 'order'> = {},
): ClassDecorator => MESSAGE_HANDLER({ ...options, order });

/** The credentials an agent presented: the enrollment key from its Authorization header. */
export type AgentAuthentication = { ok: true; keyId?: string } | { ok: false; reason: string };

/** Checks an agent's enrollment key; provided by a feature (the OpAMP module knows no key store). */
export interface AgentAuthenticator {
  verify(key: string): Promise<AgentAuthentication>;
}

const AUTHENTICATOR = DiscoveryService.createDecorator<Record<string, never>>();

/** Marks the provider that checks agents' enrollment keys (at most one per application). */
export const AgentAuthenticator = (): ClassDecorator => AUTHENTICATOR({});

/**
 * How features plug into OpAMP: the providers marked @AgentMessageHandler (with the server
 * capabilities they bring) and @AgentAuthenticator, found once at bootstrap. OpAMP imports no
 * feature module, and no feature registers anything by hand.
 */
@Injectable()
export class AgentMessageHandlers implements OnModuleInit {
  /** Built once at bootstrap: every message walks this array. */
  private ordered: readonly AgentMessageHandler[] = [];
  private capabilityBits: number = ServerCapabilities.AcceptsStatus;
  private keyAuthenticator?: AgentAuthenticator;

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const handlers = discoverHooks<AgentMessageHandler, AgentMessageHandlerOptions>(
      this.discovery,
      MESSAGE_HANDLER,
      'Agent message handler',
    );
    const names = new Map<string, string>();
    for (const { instance, className } of handlers) {
      const other = names.get(instance.name);
      if (other) {
        throw new Error(`Agent message handlers ${other} and ${className} are both named "${instance.name}"`);
      }
      names.set(instance.name, className);
    }
    // Equal orders run by name, so the order never depends on how modules happen to be imported.
    handlers.sort((a, b) => a.options.order - b.options.order || a.instance.name.localeCompare(b.instance.name));
    this.ordered = handlers.map((found) => found.instance);
    this.capabilityBits = handlers.reduce(
      (bits, found) => bits | (found.options.capabilities ?? 0),
      ServerCapabilities.AcceptsStatus as number,
    );
    const authenticators = discoverHooks<AgentAuthenticator, Record<string, never>>(
      this.discovery,
      AUTHENTICATOR,
      'Agent authenticator',
    );
    if (authenticators.length > 1) {
      throw new Error(
        `One agent authenticator per application, found ${authenticators.map((a) => a.className).join(' and ')}`,
      );
    }
    this.keyAuthenticator = authenticators[0]?.instance;
  }

  all(): readonly AgentMessageHandler[] {
    return this.ordered;
  }

  /** What this server offers and accepts: status, plus whatever the features bring. */
  get serverCapabilities(): number {
    return this.capabilityBits;
  }

  get authenticator(): AgentAuthenticator | undefined {
    return this.keyAuthenticator;
  }
}
