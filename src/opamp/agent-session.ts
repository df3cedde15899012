import type { AgentSnapshot } from './agent-message-handlers.js';
import type { ServerToAgentDraft } from './proto/opamp.types.js';

/** The socket side of a WebSocket agent, as the session needs it. */
export interface AgentSocket {
  /** Encodes nothing: sends an already framed message. Resolves once written (or failed). */
  sendFrame(frame: Uint8Array): Promise<void>;
  close(code: number, reason: string): void;
  readonly open: boolean;
}

/**
 * What this instance knows about one agent it is talking to: protocol state (sequence numbers,
 * capabilities), the snapshot handed to feature handlers, and how to reach it. WebSocket agents
 * have a socket; HTTP agents have a queue answered on their next poll.
 */
export class AgentSession {
  lastSequence: number | undefined;
  lastSeen = Date.now();
  /** Messages queued for an HTTP agent's next poll. */
  readonly pending: ServerToAgentDraft[] = [];

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
