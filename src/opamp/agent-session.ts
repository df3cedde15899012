import type { AgentSnapshot } from './agent-message-handlers.js';

/** The socket side of a WebSocket agent, as the session needs it. */
export interface AgentSocket {
  /**
   * Encodes nothing: queues an already framed message without waiting for the peer. Rejects when
   * the connection is closed or the agent is too slow to take it (and is dropped for it).
   */
  sendFrame(frame: Uint8Array): Promise<void>;
  close(code: number, reason: string): void;
  readonly open: boolean;
}

/**
 * What this instance knows about one agent it is talking to: protocol state (sequence numbers,
 * capabilities), the snapshot handed to feature handlers, and how to reach it. WebSocket agents
 * have a socket; HTTP agents get queued messages with the answer to their next poll.
 */
export class AgentSession {
  /** uint64: exact as bigint (see uint64.ts). */
  lastSequence: bigint | undefined;
  lastSeen = Date.now();
  /** The outbox (see AgentOutbox) may hold messages for this agent: look at the next poll. */
  hasQueued = false;
  /** A handler failed on the last message: treat the next one as a first message again. */
  resync = false;

  constructor(
    readonly uid: Uint8Array,
    readonly snapshot: AgentSnapshot,
    public transport: 'websocket' | 'http',
    public socket: AgentSocket | undefined,
  ) {}

  get instanceUid(): string {
    return this.snapshot.instanceUid;
  }
}
