import http from 'node:http';
import { SimAgent } from './sim-agent.js';
import { countError, pushSample } from './stats.js';
import { backoffMs, errorKind, parseRetryAfter, type AgentConnection, type TransportEnv } from './transport.js';

const seenPoll = { n: 0 };
const seenHandshake = { n: 0 };

/**
 * A plain-HTTP agent: POSTs its message every heartbeat interval (a poll), at once when it has
 * news (remote config status), and waits out 429/503 + Retry-After.
 */
export class HttpAgentConnection implements AgentConnection {
  private readonly agent: SimAgent;
  private timer?: NodeJS.Timeout;
  private inFlight = false;
  private again = false;
  private attempt = 0;
  private healthy = false;
  private everPolled = false;

  constructor(
    index: number,
    private readonly env: TransportEnv,
    private readonly localAddress: string | undefined,
    private readonly pool: http.Agent,
  ) {
    this.agent = new SimAgent(index, env);
    this.agent.wantsToSend = () => this.pollSoon();
  }

  start(): void {
    this.env.counters.started++;
    this.poll();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.agent.stop();
  }

  private pollSoon(): void {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.poll(), 0);
  }

  private poll(): void {
    if (this.env.stopping) {
      return;
    }
    this.inFlight = true;
    const startedAt = performance.now();
    const body = this.env.codec.encodeAgentToServer(this.agent.nextMessage());
    const request = http.request(this.env.url, {
      method: 'POST',
      agent: this.pool,
      localAddress: this.localAddress,
      timeout: 30_000,
      headers: { ...this.env.headers, 'Content-Type': 'application/x-protobuf', 'Content-Length': body.length },
    });
    this.env.counters.sent++;
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        if (status === 200) {
          this.succeeded(Buffer.concat(chunks), performance.now() - startedAt);
        } else {
          this.failed(`http-${status}`, parseRetryAfter(response.headers['retry-after']));
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error('poll timed out')));
    request.on('error', (error) => this.failed(errorKind(error), undefined));
    request.end(body);
  }

  private succeeded(body: Buffer, elapsedMs: number): void {
    const c = this.env.counters;
    c.received++;
    pushSample(this.env.samples.pollMs, elapsedMs, seenPoll);
    if (!this.everPolled) {
      this.everPolled = true;
      c.everConnected++;
      pushSample(this.env.samples.handshakeMs, elapsedMs, seenHandshake);
    }
    if (!this.healthy) {
      this.healthy = true;
      c.connected++;
      c.peakConnected = Math.max(c.peakConnected, c.connected);
    }
    this.attempt = 0;
    try {
      this.agent.onServerMessage(this.env.codec.decodeServerToAgent(body));
    } catch {
      c.badFrames++;
    }
    this.next(this.again ? 0 : this.env.heartbeatMs);
  }

  private failed(kind: string, retryAfterMs: number | undefined): void {
    if (this.env.stopping) {
      return;
    }
    countError(this.env.counters, kind);
    if (kind === 'http-503') {
      this.env.counters.upgrade503++;
    }
    if (retryAfterMs !== undefined) {
      this.env.counters.retryAfterHonoured++;
    }
    if (this.healthy) {
      this.healthy = false;
      this.env.counters.connected--;
    }
    // The server may have missed what we sent: the next poll carries the full state.
    this.agent.resetSession();
    this.next(backoffMs(this.env, this.attempt++, retryAfterMs));
  }

  private next(delayMs: number): void {
    this.inFlight = false;
    this.again = false;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.poll(), delayMs);
  }
}
