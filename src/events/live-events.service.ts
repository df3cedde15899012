import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Response } from 'express';
import { ClusterEventBus } from './cluster-event-bus.js';
import type { LiveEvent } from './live-event.js';

export type { LiveEvent } from './live-event.js';

const HEARTBEAT_MS = 15_000;

/**
 * Live events for features and the console: `publish` sends an event to every subscriber of the
 * cluster (SSE streams here, WebSocket subscribers and webhooks), and `open` turns an HTTP response
 * into a Server-Sent-Events stream of them. A client that reconnects reloads its view.
 */
@Injectable()
export class LiveEventsService implements OnModuleDestroy {
  private readonly streams = new Set<Response>();
  private readonly unsubscribe: () => void;
  private heartbeat?: NodeJS.Timeout;

  constructor(private readonly bus: ClusterEventBus) {
    this.unsubscribe = bus.subscribe((event) => this.broadcast(event));
  }

  /** Publishes a feature's event (rollout progress, configuration changes...) cluster-wide. */
  publish(event: LiveEvent): void {
    this.bus.publish(event);
  }

  /** Turns the response into an event stream until the client goes away or the server stops. */
  open(response: Response): void {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // Tells reverse proxies (nginx) not to buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    response.write('retry: 3000\n: connected\n\n');
    this.streams.add(response);
    response.on('close', () => this.streams.delete(response));
    this.heartbeat ??= setInterval(() => this.writeAll(': ping\n\n'), HEARTBEAT_MS).unref();
  }

  get openStreams(): number {
    return this.streams.size;
  }

  onModuleDestroy(): void {
    this.unsubscribe();
    clearInterval(this.heartbeat);
    // Open streams would otherwise keep the HTTP server from closing.
    for (const stream of this.streams) {
      stream.end();
    }
    this.streams.clear();
  }

  private broadcast(event: LiveEvent): void {
    this.writeAll(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  }

  private writeAll(chunk: string): void {
    for (const stream of this.streams) {
      // A stream that stops reading is not buffered without bound: past 1 MiB unsent it is closed.
      if (stream.writableLength > 1024 * 1024) {
        stream.destroy();
        this.streams.delete(stream);
        continue;
      }
      stream.write(chunk);
    }
  }
}
