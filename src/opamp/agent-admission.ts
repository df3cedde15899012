import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { Admission, type Refusal } from './admission.js';
import { EventLoopLag } from './event-loop-lag.js';
import { OpampMetrics } from './opamp-metrics.js';

/**
 * Admission on the OpAMP port, shared by both transports: one connection cap counting WebSocket
 * agents and HTTP polls being handled, one handshake rate, one event-loop-lag guard.
 */
@Injectable()
export class AgentAdmission {
  private readonly loopLag = new EventLoopLag();
  private readonly admission: Admission;
  /** WebSocket agents held (kept by the WebSocket gateway). */
  webSocketAgents = 0;
  /** HTTP polls being handled right now (kept by the HTTP transport). */
  httpInFlight = 0;
  /**
   * WebSocket agents admitted whose first message is not answered yet, with when it arrived (kept
   * by the gateway). Insertion order is arrival order: the first entry is the one waiting longest.
   */
  private readonly firstMessages = new Map<object, number>();

  constructor(
    config: AppConfig,
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
    });
  }

  get pendingFirstMessages(): number {
    return this.firstMessages.size;
  }

  /** A WebSocket agent's first message arrived; `connection` identifies it until it is answered. */
  firstMessageArrived(connection: object): void {
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

  start(): void {
    this.loopLag.start();
  }

  stop(): void {
    this.loopLag.stop();
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
