import WebSocket from 'ws';
import { SimAgent } from './sim-agent.js';
import { countError, pushSample } from './stats.js';
import { backoffMs, errorKind, parseRetryAfter, type AgentConnection, type TransportEnv } from './transport.js';

const HEADER = Buffer.from([0]);
const seenHandshake = { n: 0 };
const seenFirstReply = { n: 0 };

/** A WebSocket agent: sends its state on open, heartbeats, and reconnects with backoff when closed. */
export class WsAgentConnection implements AgentConnection {
  private readonly agent: SimAgent;
  private socket?: WebSocket;
  private heartbeat?: NodeJS.Timeout;
  private reconnect?: NodeJS.Timeout;
  private attempt = 0;
  private everOpened = false;

  constructor(
    index: number,
    private readonly env: TransportEnv,
    private readonly localAddress: string | undefined,
  ) {
    this.agent = new SimAgent(index, env);
    this.agent.wantsToSend = () => this.send();
  }

  start(): void {
    this.env.counters.started++;
    this.connect();
  }

  stop(): void {
    clearTimeout(this.reconnect);
    clearInterval(this.heartbeat);
    this.agent.stop();
    this.socket?.terminate();
  }

  private connect(): void {
    const startedAt = performance.now();
    let opened = false;
    let failure: string | undefined;
    let retryAfter: number | undefined;
    const socket = new WebSocket(this.env.url, {
      headers: this.env.headers,
      localAddress: this.localAddress,
      perMessageDeflate: false,
      handshakeTimeout: 30_000,
    });
    this.socket = socket;
    socket.on('unexpected-response', (_request, response) => {
      failure = `http-${response.statusCode}`;
      if (response.statusCode === 503) {
        this.env.counters.upgrade503++;
      }
      retryAfter = parseRetryAfter(response.headers['retry-after']);
      response.resume();
      socket.terminate();
    });
    socket.on('open', () => {
      opened = true;
      this.attempt = 0;
      const c = this.env.counters;
      c.connected++;
      c.peakConnected = Math.max(c.peakConnected, c.connected);
      if (!this.everOpened) {
        this.everOpened = true;
        c.everConnected++;
        pushSample(this.env.samples.handshakeMs, performance.now() - startedAt, seenHandshake);
      }
      this.agent.resetSession();
      const openedAt = performance.now();
      socket.once('message', () =>
        pushSample(this.env.samples.firstReplyMs, performance.now() - openedAt, seenFirstReply),
      );
      this.send();
      // A random phase keeps heartbeats of agents that opened together from arriving together.
      this.heartbeat = setTimeout(() => {
        this.send();
        this.heartbeat = setInterval(() => this.send(), this.env.heartbeatMs);
      }, Math.random() * this.env.heartbeatMs);
    });
    socket.on('message', (data: Buffer) => this.onMessage(data));
    socket.on('error', (error) => {
      failure ??= errorKind(error);
    });
    socket.on('close', () => {
      clearTimeout(this.heartbeat);
      clearInterval(this.heartbeat);
      if (opened) {
        this.env.counters.connected--;
        if (!this.env.stopping) {
          this.env.counters.disconnects++;
        }
      } else if (!this.env.stopping) {
        countError(this.env.counters, failure ?? 'closed-before-open');
      }
      if (!this.env.stopping) {
        this.scheduleReconnect(retryAfter);
      }
    });
  }

  private scheduleReconnect(retryAfter: number | undefined): void {
    if (retryAfter !== undefined) {
      this.env.counters.retryAfterHonoured++;
    }
    const delay = backoffMs(this.env, this.attempt++, retryAfter);
    this.reconnect = setTimeout(() => {
      this.env.counters.reconnects++;
      this.connect();
    }, delay);
  }

  private send(): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      return;
    }
    const body = this.env.codec.encodeAgentToServer(this.agent.nextMessage());
    socket.send(Buffer.concat([HEADER, body]), { binary: true });
    this.env.counters.sent++;
  }

  private onMessage(data: Buffer): void {
    this.env.counters.received++;
    if (data.length === 0 || data[0] !== 0) {
      this.env.counters.badFrames++;
      return;
    }
    try {
      const message = this.env.codec.decodeServerToAgent(data.subarray(1));
      this.agent.onServerMessage(message);
    } catch {
      this.env.counters.badFrames++;
    }
  }
}
