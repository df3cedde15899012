import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { SessionRegistry } from './session-registry.js';

/** OpAMP metrics on the app's registry: connections, message counts, decode errors, handler latency. */
@Injectable()
export class OpampMetrics {
  readonly messagesIn: Counter<'transport'>;
  readonly messagesOut: Counter<'transport'>;
  readonly decodeErrors: Counter<'transport' | 'reason'>;
  readonly refused: Counter<'reason'>;
  readonly handlerSeconds: Histogram;
  readonly handlerFailures: Counter<'transport' | 'kind'>;
  readonly slowAgentsDropped: Counter<'reason'>;
  /** Label children bound once: the hot path must not hash a label object per message. */
  readonly received: Record<'websocket' | 'http', Counter.Internal>;
  readonly sent: Record<'websocket' | 'http', Counter.Internal>;

  constructor(registry: Registry, sessions: SessionRegistry) {
    new Gauge({
      name: 'opamp_connected_agents',
      help: 'Agents this instance is talking to, by transport',
      labelNames: ['transport'],
      registers: [registry],
      collect() {
        const counts = sessions.countByTransport();
        this.set({ transport: 'websocket' }, counts.websocket);
        this.set({ transport: 'http' }, counts.http);
      },
    });
    this.messagesIn = new Counter({
      name: 'opamp_messages_received_total',
      help: 'AgentToServer messages received',
      labelNames: ['transport'],
      registers: [registry],
    });
    this.messagesOut = new Counter({
      name: 'opamp_messages_sent_total',
      help: 'ServerToAgent messages sent',
      labelNames: ['transport'],
      registers: [registry],
    });
    this.received = { websocket: this.messagesIn.labels('websocket'), http: this.messagesIn.labels('http') };
    this.sent = { websocket: this.messagesOut.labels('websocket'), http: this.messagesOut.labels('http') };
    this.decodeErrors = new Counter({
      name: 'opamp_decode_errors_total',
      help: 'Malformed, oversized or otherwise refused agent messages',
      labelNames: ['transport', 'reason'],
      registers: [registry],
    });
    this.refused = new Counter({
      name: 'opamp_refused_connections_total',
      help: 'Connections refused before the protocol started, by reason: unauthorized, connections (cap), rate, backlog (accept queue), busy (event loop lag), pending (first messages waiting)',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.handlerFailures = new Counter({
      name: 'opamp_handler_failures_total',
      help: 'Agent messages the server failed to process: retryable (database out of reach or a passing conflict; answered UNAVAILABLE) or internal (answered with a ServerErrorResponse the agent does not retry)',
      labelNames: ['transport', 'kind'],
      registers: [registry],
    });
    this.slowAgentsDropped = new Counter({
      name: 'opamp_slow_agents_dropped_total',
      help: 'WebSocket agents disconnected because they did not read what they were sent (send_buffer_full, send_timeout)',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.handlerSeconds = new Histogram({
      name: 'opamp_message_handler_seconds',
      help: 'Time to handle one AgentToServer, from decode to reply',
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers: [registry],
    });
  }
}
