import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { AppConfig } from '../config/app-config.js';
import { Admission } from './admission.js';
import { EventLoopLag } from './event-loop-lag.js';
import { AgentAuth } from './agent-auth.js';
import { FrameHeaderError, frameMessage, unframeMessage } from './framing.js';
import { BodyTooLargeError, drained, readBody } from './http-body.js';
import { OpampHttpRoutes } from './opamp-http-routes.js';
import { badRequest, OpampMessageService, type InboundContext } from './opamp-message.service.js';
import { OpampMetrics } from './opamp-metrics.js';
import { OpampCodec, OpampDecodeError } from './proto/opamp-codec.js';
import { ServerErrorResponseType, type AgentToServer, type ServerToAgent } from './proto/opamp.types.js';
import { isRetryable } from '../database/retry.js';
import { SessionRegistry } from './session-registry.js';
import { isUuid, uuidFromBytes } from './uuid.js';
import { WsAgentConnection, type SendLimits } from './ws-agent-connection.js';
import { localHost } from '../common/listen-address.js';

const OPAMP_PATH = '/v1/opamp';
/** How long a refused (413) body may keep arriving before the connection is closed anyway. */
const REFUSED_BODY_DRAIN_MS = 5000;
const PROTOBUF = 'application/x-protobuf';
const RETRY_AFTER_SECONDS = 5;

/**
 * The OpAMP port: WebSocket upgrades and plain HTTP POSTs on /v1/opamp, plus the extra agent
 * routes features register. Owns framing, size limits, admission (auth, caps, rate) and the
 * keepalive; hands decoded messages to OpampMessageService.
 */
@Injectable()
export class OpampServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OpampServer.name);
  private readonly server = http.createServer();
  private readonly wss: WebSocketServer;
  private readonly admission: Admission;
  private readonly loopLag = new EventLoopLag();
  private readonly connections = new Set<WsAgentConnection>();
  private timers: NodeJS.Timeout[] = [];
  private httpInFlight = 0;
  /** Set at shutdown: no new message is handled (see onModuleDestroy). */
  private draining = false;
  private readonly httpPolls = new Set<Promise<void>>();
  private readonly sendLimits: SendLimits;

  constructor(
    private readonly config: AppConfig,
    private readonly codec: OpampCodec,
    private readonly messages: OpampMessageService,
    private readonly sessions: SessionRegistry,
    private readonly auth: AgentAuth,
    private readonly routes: OpampHttpRoutes,
    private readonly metrics: OpampMetrics,
  ) {
    this.admission = new Admission({
      maxConnections: config.opampMaxConnections,
      handshakesPerSecond: config.opampMaxHandshakesPerSecond,
      maxLoopLagMs: config.opampMaxLoopLagMs,
      loopLagMs: () => this.loopLag.ms,
    });
    // +1 for the header byte; ws closes with 1009 past this.
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: config.opampMaxMessageBytes + 1,
      perMessageDeflate: false,
    });
    this.sendLimits = {
      maxBufferedBytes: config.opampMaxSendBufferBytes,
      sendTimeoutMs: config.opampSendTimeoutMs,
      onDrop: (connection, reason) => {
        this.metrics.slowAgentsDropped.inc({ reason });
        const agent = connection.session?.instanceUid ?? 'unidentified';
        this.logger.warn({ agent, reason }, `Dropped agent ${agent}: it does not read its socket (${reason})`);
      },
    };
    this.server.on('request', (request, response) => void this.onRequest(request, response));
    this.server.on('upgrade', (request, socket, head) => void this.onUpgrade(request, socket, head));
    this.server.keepAliveTimeout = (config.opampHeartbeatSeconds + 5) * 1000;
  }

  /** The URL agents reach this instance at (resolves port 0 after listening). */
  get url(): string {
    const address = this.server.address();
    const port = typeof address === 'object' && address ? address.port : this.config.opampPort;
    return `http://${localHost(this.config.httpHost)}:${port}${OPAMP_PATH}`;
  }

  async onApplicationBootstrap(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.config.opampPort, this.config.httpHost, () => resolve());
    });
    this.loopLag.start();
    const heartbeatMs = this.config.opampHeartbeatSeconds * 1000;
    this.timers = [
      setInterval(() => this.pingAll(), heartbeatMs),
      setInterval(() => void this.expireHttpSessions(), Math.max(1000, heartbeatMs / 2)),
    ];
    this.logger.log(`OpAMP listening on ${this.url} (WebSocket and HTTP)`);
  }

  /**
   * First shutdown phase, while the database is still there: stop taking messages, let the ones
   * being handled finish, then say goodbye and mark every agent held here offline. A message
   * handled after that would mark its agent online again, or reach a closed database.
   */
  async onModuleDestroy(): Promise<void> {
    this.draining = true;
    this.timers.forEach(clearInterval);
    this.loopLag.stop();
    this.server.close();
    await Promise.all([...this.connections].map((connection) => connection.idle));
    await Promise.all([...this.httpPolls]);
    for (const connection of this.connections) {
      connection.close(1001, 'server shutting down');
    }
    await Promise.all([...this.sessions.values()].map((session) => this.messages.disconnect(session)));
    this.server.closeAllConnections();
  }

  private async onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => undefined);
    if (pathOf(request) !== OPAMP_PATH) {
      return refuseUpgrade(socket, 404, 'Not Found');
    }
    const refusal = this.admission.admit(this.connections.size + this.httpInFlight);
    if (refusal) {
      this.metrics.refused.inc({ reason: refusal.reason });
      return refuseUpgrade(socket, 503, 'Service Unavailable', { 'Retry-After': String(refusal.retryAfterSeconds) });
    }
    const auth = await this.auth.authenticate(request);
    if (!auth.ok) {
      this.metrics.refused.inc({ reason: 'unauthorized' });
      return refuseUpgrade(socket, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer' });
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws, request));
  }

  private onConnection(ws: WebSocket, request: IncomingMessage): void {
    const connection = new WsAgentConnection(ws, this.sendLimits);
    this.connections.add(connection);
    const inbound: InboundContext = {
      transport: 'websocket',
      socket: connection,
      endpoint: endpointOf(request, 'ws'),
      authorization: request.headers.authorization,
    };
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary) {
        this.metrics.decodeErrors.inc({ transport: 'websocket', reason: 'text_frame' });
        connection.close(1003, 'OpAMP uses binary frames');
        return;
      }
      if (this.draining) {
        return; // shutting down: the agent sends it again to the instance it reconnects to
      }
      connection.lastMessageAt = Date.now();
      connection.enqueue(() => this.onFrame(connection, toBuffer(data), inbound));
    });
    ws.on('pong', () => {
      connection.alive = true;
    });
    ws.on('error', (error) => {
      if ((error as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        this.metrics.decodeErrors.inc({ transport: 'websocket', reason: 'too_large' });
      }
    });
    ws.on('close', () => {
      this.connections.delete(connection);
      connection.enqueue(async () => {
        // At shutdown onModuleDestroy disconnects every session itself, in order.
        if (connection.session && !this.draining) {
          await this.messages.disconnect(connection.session);
        }
      });
    });
  }

  private async onFrame(connection: WsAgentConnection, frame: Buffer, inbound: InboundContext): Promise<void> {
    this.metrics.received.websocket.inc();
    let message: AgentToServer;
    try {
      message = this.codec.decodeAgentToServer(unframeMessage(frame));
    } catch (error) {
      if (error instanceof FrameHeaderError) {
        this.metrics.decodeErrors.inc({ transport: 'websocket', reason: 'header' });
        connection.close(1002, error.message);
        return;
      }
      this.metrics.decodeErrors.inc({ transport: 'websocket', reason: 'protobuf' });
      await this.sendWs(connection, badRequest(connection.session?.uid, (error as Error).message));
      return;
    }
    const stop = this.metrics.handlerSeconds.startTimer();
    try {
      const { reply, session, afterReply } = await this.messages.handle(message, inbound);
      if (session) {
        connection.session = session;
      }
      await this.sendWs(connection, reply);
      await afterReply?.();
      if (message.agent_disconnect && session) {
        await this.messages.disconnect(session);
        connection.session = undefined;
      }
    } catch (error) {
      await this.sendWs(connection, this.failed(error, message, 'websocket').reply);
    } finally {
      stop();
    }
  }

  /**
   * A handler threw: our bug, a row PostgreSQL refuses, or the database out of reach. Only the
   * last is worth a retry (UNAVAILABLE with retry_info); anything else would fail the same way
   * again, so the agent gets an error it does not retry instead of an endless "server busy".
   */
  private failed(
    error: unknown,
    message: AgentToServer,
    transport: 'websocket' | 'http',
  ): { reply: ServerToAgent; retryable: boolean } {
    const uid = message.instance_uid;
    const instanceUid = uid?.length === 16 ? uuidFromBytes(uid) : undefined;
    const retryable = isRetryable(error);
    this.metrics.handlerFailures.inc({ transport, kind: retryable ? 'retryable' : 'internal' });
    this.logger.error(
      { err: error, instanceUid, transport, retryable },
      `Handling a message of agent ${instanceUid ?? '(no uid)'} failed`,
    );
    if (retryable) {
      return { reply: unavailable(uid, RETRY_AFTER_SECONDS, 'database unavailable; retry later'), retryable };
    }
    return {
      reply: {
        instance_uid: uid ?? new Uint8Array(0),
        error_response: {
          type: ServerErrorResponseType.Unknown,
          error_message: 'internal server error while processing this message (logged); retrying it will not help',
        },
      },
      retryable,
    };
  }

  private async sendWs(connection: WsAgentConnection, reply: ServerToAgent): Promise<void> {
    if (!connection.open) {
      return;
    }
    await connection.sendFrame(frameMessage(this.codec.encodeServerToAgent(reply))).catch(() => undefined);
    this.metrics.sent.websocket.inc();
  }

  private async onRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://opamp.invalid');
    if (url.pathname !== OPAMP_PATH) {
      const route = request.method === 'GET' || request.method === 'HEAD' ? this.routes.match(url.pathname) : undefined;
      if (route) {
        return route(request, response, url).catch((error: unknown) => {
          this.logger.error({ err: error }, `Agent route ${url.pathname} failed`);
          if (!response.headersSent) {
            sendText(response, 500, 'Internal server error');
          } else {
            response.destroy();
          }
        });
      }
      return sendText(response, 404, 'Not Found');
    }
    if (this.draining) {
      return this.sendProtobuf(request, response, 503, unavailable(undefined), { 'Retry-After': '5' });
    }
    this.httpInFlight += 1;
    const poll = this.onPoll(request, response);
    const tracked: Promise<void> = poll.catch(() => undefined).finally(() => this.httpPolls.delete(tracked));
    this.httpPolls.add(tracked);
    try {
      await poll;
    } catch (error) {
      this.logger.error({ err: error }, 'Failed to handle an HTTP poll');
      if (!response.headersSent) {
        this.sendProtobuf(request, response, 503, unavailable(undefined), { 'Retry-After': '5' });
      }
    } finally {
      this.httpInFlight -= 1;
    }
  }

  private async onPoll(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST') {
      return sendText(response, 405, 'OpAMP over HTTP uses POST', { Allow: 'POST' });
    }
    const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (contentType !== PROTOBUF) {
      this.metrics.decodeErrors.inc({ transport: 'http', reason: 'content_type' });
      return sendText(response, 415, `Content-Type must be ${PROTOBUF}`);
    }
    const auth = await this.auth.authenticate(request);
    if (!auth.ok) {
      this.metrics.refused.inc({ reason: 'unauthorized' });
      request.resume();
      return sendText(response, 401, `Unauthorized: ${auth.reason}`, { 'WWW-Authenticate': 'Bearer' });
    }
    let message: AgentToServer;
    try {
      message = this.codec.decodeAgentToServer(await readBody(request, this.config.opampMaxMessageBytes));
    } catch (error) {
      const tooLarge = error instanceof BodyTooLargeError;
      const reason = tooLarge ? 'too_large' : error instanceof OpampDecodeError ? 'protobuf' : 'body';
      this.metrics.decodeErrors.inc({ transport: 'http', reason });
      if (tooLarge) {
        await drained(request, REFUSED_BODY_DRAIN_MS);
      }
      return this.sendProtobuf(
        request,
        response,
        tooLarge ? 413 : 400,
        badRequest(undefined, (error as Error).message),
      );
    }
    this.metrics.received.http.inc();
    const headerUid = request.headers['opamp-instance-uid'];
    if (typeof headerUid === 'string' && isUuid(headerUid) && message.instance_uid?.length === 16) {
      if (headerUid.toLowerCase() !== uuidFromBytes(message.instance_uid)) {
        const mismatch = badRequest(message.instance_uid, 'OpAMP-Instance-UID header does not match instance_uid');
        return this.sendProtobuf(request, response, 400, mismatch);
      }
    }
    if (message.instance_uid?.length === 16 && !this.sessions.get(uuidFromBytes(message.instance_uid))) {
      const refusal = this.admission.admit(this.connections.size + this.httpInFlight);
      if (refusal) {
        this.metrics.refused.inc({ reason: refusal.reason });
        const retryAfter = refusal.retryAfterSeconds;
        return this.sendProtobuf(request, response, 503, unavailable(message.instance_uid, retryAfter), {
          'Retry-After': String(retryAfter),
        });
      }
    }
    const stop = this.metrics.handlerSeconds.startTimer();
    const inbound: InboundContext = {
      transport: 'http',
      endpoint: endpointOf(request, 'http'),
      authorization: request.headers.authorization,
    };
    let handled: Awaited<ReturnType<OpampMessageService['handle']>>;
    try {
      handled = await this.messages.handle(message, inbound);
    } catch (error) {
      const failure = this.failed(error, message, 'http');
      const headers: Record<string, string> = failure.retryable ? { 'Retry-After': String(RETRY_AFTER_SECONDS) } : {};
      return this.sendProtobuf(request, response, failure.retryable ? 503 : 500, failure.reply, headers);
    } finally {
      stop();
    }
    const { reply, session } = handled;
    this.sendProtobuf(request, response, 200, reply);
    this.metrics.sent.http.inc();
    if (message.agent_disconnect && session) {
      await this.messages.disconnect(session);
    }
  }

  private sendProtobuf(
    request: IncomingMessage,
    response: ServerResponse,
    status: number,
    message: ServerToAgent,
    headers: Record<string, string> = {},
  ): void {
    let body: Buffer = Buffer.from(this.codec.encodeServerToAgent(message));
    // Exactly this Content-Type: strict clients compare the whole header value.
    const out: Record<string, string> = { 'Content-Type': PROTOBUF, ...headers };
    if (body.length > 256 && /\bgzip\b/i.test(request.headers['accept-encoding'] ?? '')) {
      body = zlib.gzipSync(body);
      out['Content-Encoding'] = 'gzip';
    }
    out['Content-Length'] = String(body.length);
    // A 413's body is still arriving (being drained): closing now would reset the answer away.
    if (status >= 400 && status !== 413) {
      out.Connection = 'close';
    }
    response.writeHead(status, out).end(body);
  }

  private pingAll(): void {
    const intervalMs = this.config.opampHeartbeatSeconds * 1000;
    for (const connection of this.connections) {
      connection.ping(intervalMs);
    }
  }

  /** HTTP agents have no socket to close: one silent for 2.5 heartbeat intervals has left. */
  private async expireHttpSessions(): Promise<void> {
    const cutoff = Date.now() - this.config.opampHeartbeatSeconds * 2500;
    for (const session of this.sessions.values()) {
      if (session.transport === 'http' && session.lastSeen < cutoff) {
        await this.messages.disconnect(session);
      }
    }
  }
}

function pathOf(request: IncomingMessage): string {
  return (request.url ?? '/').split('?')[0];
}

function endpointOf(request: IncomingMessage, scheme: 'ws' | 'http'): string {
  const secure = request.headers['x-forwarded-proto'] === 'https';
  const protocol = scheme === 'ws' ? (secure ? 'wss' : 'ws') : secure ? 'https' : 'http';
  return `${protocol}://${request.headers.host ?? 'localhost'}${OPAMP_PATH}`;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) {
    return data;
  }
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

function unavailable(
  uid: Uint8Array | undefined,
  retryAfterSeconds = RETRY_AFTER_SECONDS,
  reason = 'server busy; retry later',
): ServerToAgent {
  return {
    instance_uid: uid ?? new Uint8Array(0),
    error_response: {
      type: ServerErrorResponseType.Unavailable,
      error_message: reason,
      retry_info: { retry_after_nanoseconds: retryAfterSeconds * 1e9 },
    },
  };
}

function refuseUpgrade(socket: Duplex, status: number, text: string, headers: Record<string, string> = {}): void {
  const lines = [
    `HTTP/1.1 ${status} ${text}`,
    'Connection: close',
    'Content-Type: text/plain',
    `Content-Length: ${text.length}`,
  ];
  for (const [key, value] of Object.entries(headers)) {
    lines.push(`${key}: ${value}`);
  }
  socket.end(`${lines.join('\r\n')}\r\n\r\n${text}`);
}

function sendText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers }).end(text);
}
