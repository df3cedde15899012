import type { WebSocket } from 'ws';
import type { AgentSession, AgentSocket } from './agent-session.js';

/**
 * One agent WebSocket. Inbound messages are processed strictly one after another (status
 * compression depends on order), writes go out in order, and close is idempotent.
 */
export class WsAgentConnection implements AgentSocket {
  session?: AgentSession;
  alive = true;
  /** When the agent last sent anything: a heartbeating agent needs no ping to prove it is there. */
  lastMessageAt = Date.now();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly ws: WebSocket) {}

  get open(): boolean {
    return !this.closed && this.ws.readyState === this.ws.OPEN;
  }

  /** Runs `task` after every earlier task of this connection has finished. */
  enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task, task);
  }

  sendFrame(frame: Uint8Array): Promise<void> {
    if (!this.open) {
      return Promise.reject(new Error('connection closed'));
    }
    return new Promise((resolve, reject) => {
      this.ws.send(frame, { binary: true }, (error) => (error ? reject(error) : resolve()));
    });
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

  /** Keepalive: a socket that did not answer the previous ping is half-open; drop it. */
  ping(intervalMs: number): void {
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
}
