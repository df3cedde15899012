import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Response } from 'express';
import { AgentEvents, type AgentEvent } from '../agents/agent-events.js';
import { ApplyEvents, type ApplyEvent } from '../configurations/apply-events.js';
import { RolloutEvents } from '../rollouts/rollout-events.js';

/** One message of the console's event stream (the SSE `event:` name is `type`). */
export type LiveEvent =
  | { type: 'agent'; change: AgentEvent['type']; agent_id: string }
  | { type: 'apply'; status: ApplyEvent['status']; agent_id: string | null }
  | { type: 'rollout'; change: string; rollout_id: string; status: string; stage: number };

const HEARTBEAT_MS = 15_000;

/**
 * Fans agent and apply-state changes out to open Server-Sent-Events streams. Events are hints
 * ("something changed, refetch"), not a replicated log: a client that reconnects reloads its view.
 */
@Injectable()
export class LiveEventsService implements OnModuleDestroy {
  private readonly streams = new Set<Response>();
  private readonly unsubscribe: Array<() => void> = [];
  private heartbeat?: NodeJS.Timeout;

  constructor(agents: AgentEvents, applies: ApplyEvents, rollouts: RolloutEvents) {
    this.unsubscribe.push(
      rollouts.subscribe((e) =>
        this.broadcast({
          type: 'rollout',
          change: e.change,
          rollout_id: e.rolloutId,
          status: e.status,
          stage: e.stage + 1,
        }),
      ),
      agents.subscribe((e) => this.broadcast({ type: 'agent', change: e.type, agent_id: e.instanceUid })),
      applies.subscribe((e) => this.broadcast({ type: 'apply', status: e.status, agent_id: e.instanceUid ?? null })),
    );
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
    this.unsubscribe.forEach((stop) => stop());
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
      stream.write(chunk);
    }
  }
}
