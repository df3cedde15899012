import { Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { AppConfig } from '../config/app-config.js';
import { AgentAdmission } from './agent-admission.js';
import { AgentAuth } from './agent-auth.js';
import { FrameHeaderError, frameMessage, unframeMessage } from './framing.js';
import { endpointOf, refuseUpgrade } from './http-replies.js';
import { badRequest, OpampMessageService, type InboundContext } from './opamp-message.service.js';
import { OpampMetrics } from './opamp-metrics.js';
import { handlerFailed, OPAMP_PATH } from './opamp-replies.js';
import { OpampCodec } from './proto/opamp-codec.js';
import type { AgentToServer, ServerToAgent } from './proto/opamp.types.js';
import { WsAgentConnection, type SendLimits } from './ws-agent-connection.js';

/**
 * OpAMP over WebSocket: admission and auth at the upgrade, binary frames (header varint +
 * protobuf) handled one after another per connection, the keepalive, and the goodbye at close.
 */
@Injectable()
export class OpampWsTransport {
  private readonly logger = new Logger(OpampWsTransport.name);
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<WsAgentConnection>();
  private readonly sendLimits: SendLimits;
  private keepalive?: NodeJS.Timeout;
  /** Set at shutdown: no new message is handled (see OpampServer.onModuleDestroy). */
  private draining = false;

  constructor(
    private readonly config: AppConfig,
    private readonly codec: OpampCodec,
    private readonly messages: OpampMessageService,
    private readonly auth: AgentAuth,
    private readonly admission: AgentAdmission,
    private readonly metrics: OpampMetrics,
  ) {
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
  }

  start(): void {
    const intervalMs = this.config.opampHeartbeatSeconds * 1000;
    this.keepalive = setInterval(() => {
      for (const connection of this.connections) {
        connection.ping(intervalMs);
      }
    }, intervalMs);
  }

  /** Stops handling messages; resolves when the ones being handled are done. */
  async drain(): Promise<void> {
    this.draining = true;
    clearInterval(this.keepalive);
    await Promise.all([...this.connections].map((connection) => connection.idle));
  }

  closeAll(code: number, reason: string): void {
    for (const connection of this.connections) {
      connection.close(code, reason);
    }
  }

  async onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const refusal = this.admission.admit();
    if (refusal) {
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
    this.admission.webSocketAgents = this.connections.size;
    const inbound: InboundContext = {
      transport: 'websocket',
      socket: connection,
      endpoint: endpointOf(request, 'ws', OPAMP_PATH),
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
      this.admission.webSocketAgents = this.connections.size;
      connection.enqueue(async () => {
        // At shutdown OpampServer disconnects every session itself, in order.
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
      await this.send(connection, badRequest(connection.session?.uid, (error as Error).message));
      return;
    }
    const stop = this.metrics.handlerSeconds.startTimer();
    try {
      const { reply, session, afterReply } = await this.messages.handle(message, inbound);
      if (session) {
        connection.session = session;
      }
      await this.send(connection, reply);
      await afterReply?.();
      if (message.agent_disconnect && session) {
        await this.messages.disconnect(session);
        connection.session = undefined;
      }
    } catch (error) {
      await this.send(connection, handlerFailed(error, message, 'websocket', this.metrics, this.logger).reply);
    } finally {
      stop();
    }
  }

  private async send(connection: WsAgentConnection, reply: ServerToAgent): Promise<void> {
    if (!connection.open) {
      return;
    }
    await connection.sendFrame(frameMessage(this.codec.encodeServerToAgent(reply))).catch(() => undefined);
    this.metrics.sent.websocket.inc();
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) {
    return data;
  }
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
