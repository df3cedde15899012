import { Logger, OnModuleDestroy } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import type WebSocket from 'ws';
import { AuthService } from '../auth/auth.service.js';
import type { AuthenticatedUser } from '../auth/roles.js';
import { AppConfig } from '../config/app-config.js';
import { selectorMatches } from '../agents/label-set.js';
import { AgentLabelCache } from './agent-label-cache.js';
import { ClusterEventBus } from './cluster-event-bus.js';
import { eventAgentId, eventMatches, type LiveEvent } from './live-event.js';

export const EVENTS_WS_PATH = '/api/v1/events/ws';
/** Close codes a client can act on. */
export const CLOSE = {
  authTimeout: 4401,
  authFailed: 4403,
  badMessage: 4400,
  slowConsumer: 4408,
} as const;
const AUTH_TIMEOUT_MS = 10_000;
const MAX_MESSAGE_BYTES = 16 * 1024;
const SLOW_CLOSE_GRACE_MS = 10_000;

interface Subscriber {
  user?: AuthenticatedUser;
  events: string[];
  selector?: Record<string, string>;
}

type ClientMessage =
  { type: 'auth'; token?: unknown } | { type: 'subscribe'; events?: unknown; selector?: unknown } | { type: string };

/**
 * Live events over WebSocket on the API port. The token travels in the first message
 * (`{"type":"auth","token":"..."}`), never in the URL; then `{"type":"subscribe","events":[...],
 * "selector":{...}}` narrows the stream (default: every event). A subscriber that leaves more than
 * EVENTS_WS_MAX_BUFFERED_BYTES unread is closed with 4408, not buffered without bound.
 */
@WebSocketGateway({ path: EVENTS_WS_PATH })
export class EventsGateway implements OnGatewayConnection<WebSocket>, OnModuleDestroy {
  private readonly logger = new Logger('EventsGateway');
  private readonly clients = new Map<WebSocket, Subscriber>();
  private readonly unsubscribe: () => void;

  constructor(
    bus: ClusterEventBus,
    private readonly auth: AuthService,
    private readonly labels: AgentLabelCache,
    private readonly config: AppConfig,
  ) {
    this.unsubscribe = bus.subscribe((event) => this.broadcast(event));
  }

  get subscribers(): number {
    return this.clients.size;
  }

  onModuleDestroy(): void {
    this.unsubscribe();
    for (const client of this.clients.keys()) {
      client.close(1001, 'server shutting down');
    }
    this.clients.clear();
  }

  handleConnection(client: WebSocket): void {
    const subscriber: Subscriber = { events: ['*'] };
    this.clients.set(client, subscriber);
    const timer = setTimeout(
      () => client.close(CLOSE.authTimeout, 'authenticate first: {"type":"auth","token":"..."}'),
      AUTH_TIMEOUT_MS,
    ).unref();
    client.on('close', () => {
      clearTimeout(timer);
      this.clients.delete(client);
    });
    client.on('message', (data: Buffer, isBinary: boolean) => {
      void this.receive(client, subscriber, data, isBinary).then((authenticated) => {
        if (authenticated) {
          clearTimeout(timer);
        }
      });
    });
  }

  /** Handles one client message; resolves true once the client is authenticated. */
  private async receive(client: WebSocket, subscriber: Subscriber, data: Buffer, isBinary: boolean): Promise<boolean> {
    let message: ClientMessage;
    try {
      if (isBinary || data.length > MAX_MESSAGE_BYTES) {
        throw new Error('expected a JSON text message');
      }
      message = JSON.parse(data.toString('utf8')) as ClientMessage;
    } catch {
      client.close(CLOSE.badMessage, 'messages are JSON objects with a "type"');
      return false;
    }
    if (message.type === 'auth' && 'token' in message) {
      const user = typeof message.token === 'string' ? await this.auth.authenticate(message.token) : undefined;
      if (!user) {
        client.close(CLOSE.authFailed, 'invalid or expired token');
        return false;
      }
      subscriber.user = user;
      client.send(JSON.stringify({ type: 'ready', user: user.username, role: user.role }));
      return true;
    }
    if (!subscriber.user) {
      client.close(CLOSE.authFailed, 'authenticate first: {"type":"auth","token":"..."}');
      return false;
    }
    if (message.type === 'subscribe' && ('events' in message || 'selector' in message)) {
      return this.subscribe(client, subscriber, message);
    }
    client.close(CLOSE.badMessage, `unknown message type "${String(message.type)}"`);
    return true;
  }

  private subscribe(
    client: WebSocket,
    subscriber: Subscriber,
    message: { events?: unknown; selector?: unknown },
  ): boolean {
    const events = message.events ?? ['*'];
    const selector = message.selector ?? undefined;
    const validEvents = Array.isArray(events) && events.length > 0 && events.every((e) => typeof e === 'string');
    const validSelector =
      selector === undefined ||
      (typeof selector === 'object' &&
        selector !== null &&
        Object.values(selector).every((v) => typeof v === 'string'));
    if (!validEvents || !validSelector) {
      client.close(CLOSE.badMessage, 'subscribe: events is a list of names, selector an object of strings');
      return true;
    }
    subscriber.events = events;
    subscriber.selector = selector as Record<string, string> | undefined;
    client.send(
      JSON.stringify({ type: 'subscribed', events: subscriber.events, selector: subscriber.selector ?? null }),
    );
    return true;
  }

  private broadcast(event: LiveEvent): void {
    if (event.type === 'agent' && event.change === 'labels') {
      this.labels.forget(event.agent_id);
    }
    const frame = JSON.stringify({ type: 'event', event });
    for (const [client, subscriber] of this.clients) {
      if (!subscriber.user || !eventMatches(subscriber.events, event)) {
        continue;
      }
      const agentId = eventAgentId(event);
      if (subscriber.selector && Object.keys(subscriber.selector).length > 0) {
        if (agentId === null) {
          continue;
        }
        const selector = subscriber.selector;
        this.labels
          .labelsOf(agentId)
          .then((labels) => selectorMatches(selector, labels) && this.send(client, frame))
          .catch((error: unknown) => this.logger.warn(`Label lookup failed: ${(error as Error).message}`));
        continue;
      }
      this.send(client, frame);
    }
  }

  private send(client: WebSocket, frame: string): void {
    if (client.readyState !== client.OPEN) {
      return;
    }
    if (client.bufferedAmount > this.config.eventsWsMaxBufferedBytes) {
      this.clients.delete(client);
      client.close(CLOSE.slowConsumer, `slow consumer: more than ${this.config.eventsWsMaxBufferedBytes} bytes unread`);
      // The close frame waits behind the unread bytes; a peer that never reads them is cut off.
      setTimeout(() => client.terminate(), SLOW_CLOSE_GRACE_MS).unref();
      return;
    }
    client.send(frame);
  }
}
