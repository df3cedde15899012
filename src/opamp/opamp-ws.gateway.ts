import { Logger } from '@nestjs/common';
import {
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
} from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { RawData, WebSocket, WebSocketServer as WsServer } from 'ws';
import { Interner } from '../common/interner.js';
import { AppConfig } from '../config/app-config.js';
import { AgentAdmission } from './agent-admission.js';
import { FrameHeaderError, unframeMessage } from './framing.js';
import { endpointOf } from './http-replies.js';
import { badRequest, OpampMessageService, type HandledMessage, type InboundContext } from './opamp-message.service.js';
import type { AgentSession } from './agent-session.js';
import { OpampMetrics } from './opamp-metrics.js';
import { handlerFailed, OPAMP_PATH, OPAMP_PORT_GATEWAY } from './opamp-replies.js';
import { OpampCodec } from './proto/opamp-codec.js';
import type { AgentToServer, ServerToAgent } from './proto/opamp.types.js';
import { WsAgentConnection, type SendLimits } from './ws-agent-connection.js';

/**
 * OpAMP over WebSocket, as a Nest gateway on the OpAMP port (OpampWsAdapter attaches it there,
 * after admission and auth). Binary frames (header varint + protobuf) are read by a listener of
 * its own and handled one after another per connection; it keeps the keepalive and says goodbye
 * for an agent whose socket closes.
 */
@WebSocketGateway({ path: OPAMP_PATH, [OPAMP_PORT_GATEWAY]: true })
export class OpampWsGateway implements OnGatewayConnection<WebSocket>, OnGatewayDisconnect<WebSocket> {
  private readonly logger = new Logger(OpampWsGateway.name);
  /** Set by Nest from the adapter: upgrades accepted on the OpAMP port end up here. */
  @WebSocketServer() server?: WsServer;
  private readonly connections = new Map<WebSocket, WsAgentConnection>();
  private readonly sendLimits: SendLimits;
  private keepalive?: NodeJS.Timeout;
  /** Set at shutdown: no new message is handled (see OpampServer.onModuleDestroy). */
  private draining = false;
  private readonly listeners = OpampWsGateway.socketListeners(this);

  constructor(
    private readonly config: AppConfig,
    private readonly codec: OpampCodec,
    private readonly messages: OpampMessageService,
    private readonly admission: AgentAdmission,
    private readonly metrics: OpampMetrics,
  ) {
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
      for (const connection of this.connections.values()) {
        connection.ping(intervalMs);
      }
    }, intervalMs);
  }

  /** Stops handling messages; resolves when the ones being handled are done. */
  async drain(): Promise<void> {
    this.draining = true;
    clearInterval(this.keepalive);
    await Promise.all([...this.connections.values()].map((connection) => connection.idle));
  }

  closeAll(code: number, reason: string): void {
    for (const connection of this.connections.values()) {
      connection.close(code, reason);
    }
  }

  handleConnection(ws: WebSocket, request: IncomingMessage): void {
    const connection = new WsAgentConnection(
      ws,
      this.sendLimits,
      presented.of(endpointOf(request, 'ws', OPAMP_PATH)),
      request.headers.authorization === undefined ? undefined : presented.of(request.headers.authorization),
    );
    this.connections.set(ws, connection);
    this.admission.webSocketAgents = this.connections.size;
    // Admitted: counted as waiting for its first answer from now (see AgentAdmission).
    connection.firstInFlight = true;
    this.admission.awaitingFirstAnswer(connection);
    // The same three listeners for every socket (they find the connection by the socket they are
    // called on): closures made per socket would cost tens of thousands of functions and scopes.
    ws.on('message', this.listeners.message);
    ws.on('pong', this.listeners.pong);
    ws.on('error', this.listeners.error);
  }

  /** ws calls a listener with the socket as `this`: one function per event serves every socket. */
  private static socketListeners(gateway: OpampWsGateway): {
    message: (this: WebSocket, data: RawData, isBinary: boolean) => void;
    pong: (this: WebSocket) => void;
    error: (this: WebSocket, error: Error) => void;
  } {
    return {
      message(data, isBinary) {
        gateway.onMessage(this, data, isBinary);
      },
      pong() {
        gateway.onPong(this);
      },
      error(error) {
        gateway.onSocketError(error);
      },
    };
  }

  private onMessage(ws: WebSocket, data: RawData, isBinary: boolean): void {
    const connection = this.connections.get(ws);
    if (!connection) {
      return; // its socket closed: nothing is handled after handleDisconnect
    }
    if (!isBinary) {
      this.metrics.decodeErrors.inc({ transport: 'websocket', reason: 'text_frame' });
      connection.close(1003, 'OpAMP uses binary frames');
      return;
    }
    if (this.draining) {
      return; // shutting down: the agent sends it again to the instance it reconnects to
    }
    connection.lastMessageAt = Date.now();
    connection.spoken = true;
    if (!connection.session && !connection.firstInFlight) {
      connection.firstInFlight = true;
      this.admission.awaitingFirstAnswer(connection);
    }
    connection.enqueue(() => this.onFrame(connection, toBuffer(data), connection.inbound));
  }

  private onPong(ws: WebSocket): void {
    const connection = this.connections.get(ws);
    if (connection) {
      connection.alive = true;
    }
  }

  private onSocketError(error: Error): void {
    if ((error as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      this.metrics.decodeErrors.inc({ transport: 'websocket', reason: 'too_large' });
    }
  }

  handleDisconnect(ws: WebSocket): void {
    const connection = this.connections.get(ws);
    if (!connection) {
      return;
    }
    this.connections.delete(ws);
    this.admission.webSocketAgents = this.connections.size;
    this.firstAnswered(connection); // gone before its first answer: it waits no more
    connection.enqueue(async () => {
      // At shutdown OpampServer disconnects every session itself, in order.
      if (connection.session && !this.draining) {
        await this.messages.disconnect(connection.session);
      }
    });
  }

  private onFrame(connection: WsAgentConnection, frame: Buffer, inbound: InboundContext): Promise<void> | undefined {
    const handling = this.handleFrame(connection, frame, inbound);
    if (!connection.firstInFlight) {
      return handling;
    }
    if (handling === undefined) {
      this.firstAnswered(connection);
      return undefined;
    }
    return handling.finally(() => this.firstAnswered(connection));
  }

  private firstAnswered(connection: WsAgentConnection): void {
    if (connection.firstInFlight) {
      connection.firstInFlight = false;
      this.admission.firstMessageAnswered(connection);
    }
  }

  /**
   * Decodes, handles and answers one frame. Synchronous when every handler is (a heartbeat of an
   * agent in sync); never throws: a failure is answered with an error reply.
   */
  private handleFrame(
    connection: WsAgentConnection,
    frame: Buffer,
    inbound: InboundContext,
  ): Promise<void> | undefined {
    this.metrics.received.websocket.inc();
    let message: AgentToServer;
    try {
      message = this.codec.decodeAgentToServer(unframeMessage(frame));
    } catch (error) {
      if (error instanceof FrameHeaderError) {
        this.metrics.decodeErrors.inc({ transport: 'websocket', reason: 'header' });
        connection.close(1002, error.message);
        return undefined;
      }
      this.metrics.decodeErrors.inc({ transport: 'websocket', reason: 'protobuf' });
      this.send(connection, badRequest(connection.session?.uid, (error as Error).message));
      return undefined;
    }
    const stop = this.metrics.handlerSeconds.startTimer();
    let handled: HandledMessage | Promise<HandledMessage>;
    try {
      handled = this.messages.handle(message, inbound);
    } catch (error) {
      this.failed(connection, error, message);
      stop();
      return undefined;
    }
    if (handled instanceof Promise) {
      return handled
        .then(
          (result) => this.respond(connection, message, result),
          (error: unknown) => this.failed(connection, error, message),
        )
        .finally(stop);
    }
    const after = this.respond(connection, message, handled);
    if (after === undefined) {
      stop();
      return undefined;
    }
    return after.finally(stop);
  }

  /** Answers, or answers with an error when the reply cannot be sent (e.g. it does not encode). */
  private respond(
    connection: WsAgentConnection,
    message: AgentToServer,
    handled: HandledMessage,
  ): Promise<void> | undefined {
    try {
      return this.answer(connection, message, handled);
    } catch (error) {
      this.failed(connection, error, message);
      return undefined;
    }
  }

  /** Sends the reply; what comes after it (queued messages, a goodbye) is the only part that waits. */
  private answer(
    connection: WsAgentConnection,
    message: AgentToServer,
    handled: HandledMessage,
  ): Promise<void> | undefined {
    const { reply, session, afterReply } = handled;
    if (session) {
      connection.session = session;
    }
    this.send(connection, reply);
    const goodbye = Boolean(message.agent_disconnect) && session !== undefined;
    if (!afterReply && !goodbye) {
      return undefined;
    }
    return this.afterAnswer(connection, message, afterReply, goodbye ? session : undefined);
  }

  private async afterAnswer(
    connection: WsAgentConnection,
    message: AgentToServer,
    afterReply: (() => Promise<void>) | undefined,
    leaving: AgentSession | undefined,
  ): Promise<void> {
    try {
      await afterReply?.();
      if (leaving) {
        await this.messages.disconnect(leaving);
        connection.session = undefined;
      }
    } catch (error) {
      this.failed(connection, error, message);
    }
  }

  private failed(connection: WsAgentConnection, error: unknown, message: AgentToServer): void {
    this.send(connection, handlerFailed(error, message, 'websocket', this.metrics, this.logger).reply);
  }

  private send(connection: WsAgentConnection, reply: ServerToAgent): void {
    if (!connection.open) {
      return;
    }
    if (connection.write(this.codec.encodeServerToAgentFrame(reply)) === undefined) {
      this.metrics.sent.websocket.inc();
    }
  }
}

/** The endpoints and Authorization headers held per connection: a fleet presents the same few. */
const presented = new Interner(64);

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) {
    return data;
  }
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
