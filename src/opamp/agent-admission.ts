import { Injectable } from '@nestjs/common';
import type { EventEmitter } from 'node:events';
import { AppConfig } from '../config/app-config.js';
import { AcceptQueue } from './accept-queue.js';
import { Admission, type Refusal } from './admission.js';
import { EventLoopLag } from './event-loop-lag.js';
import { OpampMetrics } from './opamp-metrics.js';

/** The accept queue is read at most this often (at an accept): a few tens of microseconds each. */
const ACCEPT_QUEUE_READ_MS = 100;

/**
 * Admission on the OpAMP port, shared by both transports: one connection cap counting WebSocket
 * agents and HTTP polls being handled, one handshake rate, one accept-queue guard, one
 * event-loop-lag guard.
 */
@Injectable()
export class AgentAdmission {
  private readonly loopLag = new EventLoopLag();
  private readonly acceptQueue = new AcceptQueue(ACCEPT_QUEUE_READ_MS);
  private readonly admission: Admission;
  /** WebSocket agents held (kept by the WebSocket gateway). */
  webSocketAgents = 0;
  /** HTTP polls being handled right now (kept by the HTTP transport). */
  httpInFlight = 0;
  /**
   * WebSocket agents admitted whose first message is not answered yet, from their upgrade, with
   * when they were admitted (kept by the gateway). Insertion order is admission order: the first
   * entry is the one waiting longest.
   */
  private readonly firstMessages = new Map<object, number>();
  /**
   * Connections accepted whose first request (upgrade or poll) has not been read yet: the part of
   * the backlog the event loop has taken from the kernel's queue and not handled. A reading of the
   * kernel's queue taken as the loop drained it says shallow while they still wait here.
   */
  private readonly unread = new WeakSet<EventEmitter>();
  private unreadCount = 0;
  /** One close listener for every unread socket (called with the socket as `this`). */
  private readonly unreadClosed: (this: EventEmitter) => void;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: OpampMetrics,
  ) {
    this.admission = new Admission({
      maxConnections: config.opampMaxConnections,
      handshakesPerSecond: config.opampMaxHandshakesPerSecond,
      maxLoopLagMs: config.opampMaxLoopLagMs,
      loopLagMs: () => this.loopLag.ms,
      // Two seconds' worth of handshakes waiting for their first answer: more would wait past
      // what clients give a connect (several seconds), then retry into the same queue.
      maxPendingFirstMessages: config.opampMaxHandshakesPerSecond * 2,
      maxFirstAnswerWaitMs: config.opampMaxFirstAnswerWaitMs,
      maxAcceptQueue: config.opampMaxAcceptQueue,
      // Room for twice as many admitted agents awaiting their first answer as the queue's limit:
      // at 64 (for 256) six instances on two cores admitted 12,685 of 100,002 agents in 220 s,
      // at 512 26,512, as many as without this rule; only the surplus past that is refused.
      backlogRoom: config.opampMaxAcceptQueue * 2,
      // Off Linux the kernel's part is unknown (0): what waits in the process still counts.
      backlog: () => this.backlog,
    });
    this.unreadClosed = onClose((socket) => this.requestRead(socket));
  }

  get pendingFirstMessages(): number {
    return this.firstMessages.size;
  }

  /**
   * A WebSocket agent was admitted, or an agent without a session sent a message: `connection`
   * identifies it until that is answered (or it closes).
   */
  awaitingFirstAnswer(connection: object): void {
    this.firstMessages.set(connection, Date.now());
  }

  firstMessageAnswered(connection: object): void {
    this.firstMessages.delete(connection);
  }

  /** How long the agent waiting longest for its first answer has waited (0: none waits). */
  private oldestFirstMessageWaitMs(): number {
    for (const arrivedAt of this.firstMessages.values()) {
      return Date.now() - arrivedAt;
    }
    return 0;
  }

  /** From when the OpAMP port listens (`address`, the bound one) until stop(). */
  start(address?: { port: number; family: string }): void {
    this.loopLag.start();
    if (address && this.config.opampMaxAcceptQueue > 0) {
      this.acceptQueue.watch(address);
    }
  }

  /** The OpAMP port accepted a connection (before its upgrade or first request is read). */
  connectionAccepted(socket: EventEmitter): void {
    this.acceptQueue.accepted();
    this.unread.add(socket);
    this.unreadCount++;
    socket.on('close', this.unreadClosed);
  }

  /** A request of the socket was read (or it closed): it no longer waits unread. Idempotent. */
  requestRead(socket: EventEmitter): void {
    if (this.unread.delete(socket)) {
      this.unreadCount--;
      socket.removeListener('close', this.unreadClosed);
    }
  }

  /** Connections waiting to be read: in the kernel's accept queue (last reading) and in the process. */
  get backlog(): number {
    return (this.acceptQueue.length ?? 0) + this.unreadCount;
  }

  stop(): void {
    this.loopLag.stop();
    this.acceptQueue.stop();
  }

  /** undefined when a new agent may proceed; else the refusal, already counted in the metrics. */
  admit(): Refusal | undefined {
    const refusal = this.admission.admit(
      this.webSocketAgents + this.httpInFlight,
      this.pendingFirstMessages,
      this.oldestFirstMessageWaitMs(),
    );
    if (refusal) {
      this.metrics.refused.inc({ reason: refusal.reason });
    }
    return refusal;
  }
}

/** A close listener that hands `read` the socket it is called on (ws and net call it as `this`). */
function onClose(read: (socket: EventEmitter) => void): (this: EventEmitter) => void {
  return function (this: EventEmitter) {
    read(this);
  };
}
