import type { WebSocket } from 'ws';
import type { AgentSession, AgentSocket } from './agent-session.js';
import type { InboundContext } from './opamp-message.service.js';

/**
 * An agent that has sent nothing this long after its upgrade (and at least a heartbeat interval)
 * is closed at a keepalive: OpAMP clients send their first message as soon as they are connected.
 */
const SILENT_LIMIT_MS = 30_000;

/** Why a slow agent was dropped (the `reason` label of opamp_slow_agents_dropped_total). */
export type SlowAgentReason = 'send_buffer_full' | 'send_timeout';

/** How much one agent may leave unread, and for how long, before it is dropped. */
export interface SendLimits {
  /** Bytes queued for the socket (ws `bufferedAmount`) beyond which a new message drops the agent. */
  maxBufferedBytes: number;
  /** A message not handed to the kernel within this time drops the agent. */
  sendTimeoutMs: number;
  onDrop(connection: WsAgentConnection, reason: SlowAgentReason): void;
}

/** A send refused because the agent does not read what it is sent. */
export class SlowAgentError extends Error {
  constructor(readonly reason: SlowAgentReason) {
    super(`agent dropped: ${reason === 'send_buffer_full' ? 'its send buffer is full' : 'a send timed out'}`);
    this.name = 'SlowAgentError';
  }
}

/**
 * One agent WebSocket. Inbound messages are processed strictly one after another (status
 * compression depends on order), writes go out in order, and close is idempotent.
 *
 * Writes never wait for the agent: a message is queued (in order) and the promise settles at
 * once. An agent that stops reading would otherwise hold every caller and grow our memory, so
 * its queue is bounded in bytes and in time; past either bound the socket is terminated and the
 * agent gets its state again when it reconnects.
 */
export class WsAgentConnection implements AgentSocket {
  session?: AgentSession;
  alive = true;
  /** When the agent last sent anything: a heartbeating agent needs no ping to prove it is there. */
  lastMessageAt = Date.now();
  /** Whether the agent has sent a message yet (an OpAMP client speaks first, at once). */
  spoken = false;
  /**
   * Admitted and not answered yet: from the upgrade until the first message is answered, and while
   * a message of an agent without a session is handled (admission counts these).
   */
  firstInFlight = false;
  /** The last task enqueued, while any is unfinished (a heartbeat in sync never sets it). */
  private queue?: Promise<void>;
  /** Tasks enqueued and not finished. */
  private pending = 0;
  private closed = false;
  private dropped = false;

  /** Where every message of this socket comes from (its upgrade's endpoint and Authorization). */
  readonly inbound: InboundContext;

  constructor(
    private readonly ws: WebSocket,
    private readonly limits: SendLimits,
    endpoint: string,
    authorization: string | undefined,
  ) {
    this.inbound = { transport: 'websocket', socket: this, endpoint, authorization };
  }

  get open(): boolean {
    return !this.closed && this.ws.readyState === this.ws.OPEN;
  }

  /** Resolves once every task enqueued so far has finished (shutdown drains with it). */
  get idle(): Promise<void> {
    return this.pending === 0 || !this.queue ? Promise.resolve() : this.queue;
  }

  /**
   * Runs `task` after every earlier task of this connection has finished. With none pending it
   * runs at once, and a task that finishes synchronously (returns undefined) costs no promise.
   * Tasks handle their own errors.
   */
  enqueue(task: () => Promise<void> | undefined): void {
    if (this.pending === 0) {
      let running: Promise<void> | undefined;
      try {
        running = task();
      } catch {
        return; // nothing left pending; a failed queued task is swallowed the same way
      }
      if (running === undefined) {
        return;
      }
      this.pending = 1;
      this.queue = running.then(...this.finisher());
      return;
    }
    this.pending += 1;
    this.queue = this.queue!.then(task).then(...this.finisher());
  }

  /** Made when a task has to wait (rarely), not kept per connection: there are tens of thousands. */
  private finisher(): [() => void, () => void] {
    const finished = (): void => {
      this.pending -= 1;
      if (this.pending === 0) {
        this.queue = undefined; // a settled promise is not kept per idle connection
      }
    };
    return [finished, finished];
  }

  sendFrame(frame: Uint8Array): Promise<void> {
    const refused = this.write(frame);
    return refused ? Promise.reject(refused) : Promise.resolve();
  }

  /**
   * Queues a framed message without waiting for the peer; returns why it was not sent, if it was
   * not. A message that does not reach the kernel at once (the socket's buffer is not empty) must
   * get there within the send timeout, or the agent is dropped.
   */
  write(frame: Uint8Array): Error | undefined {
    if (!this.open) {
      return new Error('connection closed');
    }
    const buffered = this.ws.bufferedAmount;
    // An empty queue always takes one message, however large: the limit is on what piles up.
    if (buffered > 0 && buffered + frame.length > this.limits.maxBufferedBytes) {
      this.drop('send_buffer_full');
      return new SlowAgentError('send_buffer_full');
    }
    let timer: NodeJS.Timeout | undefined;
    this.ws.send(frame, { binary: true }, () => clearTimeout(timer));
    if (this.ws.bufferedAmount > 0) {
      // Not fully taken by the kernel (a backlog, or a peer that reads slowly): it has to be, in time.
      timer = setTimeout(() => this.drop('send_timeout'), this.limits.sendTimeoutMs);
      timer.unref();
    }
    return undefined;
  }

  close(code: number, reason: string): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.ws.close(code, reason);
    // A peer that never answers the close handshake must not hold the socket forever.
    setTimeout(() => this.ws.terminate(), 5000).unref();
  }

  /**
   * Keepalive: a socket that did not answer the previous ping is half-open; drop it. One that has
   * not said a word since it connected (see SILENT_LIMIT_MS) is closed.
   */
  ping(intervalMs: number): void {
    if (!this.spoken && Date.now() - this.lastMessageAt >= Math.max(intervalMs, SILENT_LIMIT_MS)) {
      // Silent since its upgrade: admission counts it among the agents awaiting a first answer, so
      // held silent it would take a newcomer's room for as long as it stays.
      this.close(1008, 'no AgentToServer message since connecting');
      return;
    }
    if (Date.now() - this.lastMessageAt < intervalMs) {
      this.alive = true;
      return;
    }
    if (!this.alive) {
      this.closed = true;
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  /** A close handshake would queue behind the unread data: terminate frees the buffers now. */
  private drop(reason: SlowAgentReason): void {
    if (this.dropped || this.ws.readyState === this.ws.CLOSED) {
      return;
    }
    this.dropped = true;
    this.closed = true;
    this.ws.terminate();
    this.limits.onDrop(this, reason);
  }
}
