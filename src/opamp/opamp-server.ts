import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { AppConfig } from '../config/app-config.js';
import { AgentAdmission } from './agent-admission.js';
import { AgentAuth } from './agent-auth.js';
import { HttpSessionExpiry } from './http-session-expiry.js';
import { pathOf, refuseUpgrade } from './http-replies.js';
import { OpampHttpTransport } from './opamp-http-transport.js';
import { OpampMessageService } from './opamp-message.service.js';
import { OpampMetrics } from './opamp-metrics.js';
import { OPAMP_PATH } from './opamp-replies.js';
import { OpampWsGateway } from './opamp-ws.gateway.js';
import { SessionRegistry } from './session-registry.js';

/**
 * The OpAMP port: its own HTTP server (agents never reach the API port). WebSocket upgrades on
 * /v1/opamp are admitted and authenticated here, then handed to the gateway's server (attached
 * by OpampWsAdapter); plain HTTP goes to the HTTP transport. Orders the shutdown.
 */
@Injectable()
export class OpampServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OpampServer.name);
  private readonly server = http.createServer();
  private webSockets?: WebSocketServer;

  constructor(
    private readonly config: AppConfig,
    private readonly messages: OpampMessageService,
    private readonly sessions: SessionRegistry,
    private readonly admission: AgentAdmission,
    private readonly auth: AgentAuth,
    private readonly metrics: OpampMetrics,
    private readonly gateway: OpampWsGateway,
    private readonly httpTransport: OpampHttpTransport,
    private readonly httpExpiry: HttpSessionExpiry,
  ) {
    this.server.on('request', (request, response) => {
      this.admission.requestRead(request.socket);
      void this.httpTransport.onRequest(request, response);
    });
    this.server.on('connection', (socket: Duplex) => this.admission.connectionAccepted(socket));
    this.server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.onUpgrade(request, socket, head);
    });
    this.server.keepAliveTimeout = (config.opampHeartbeatSeconds + 5) * 1000;
  }

  /** Where accepted upgrades go: the OpAMP gateway's server (called by OpampWsAdapter). */
  attachWebSocketServer(server: WebSocketServer): void {
    this.webSockets = server;
  }

  async onApplicationBootstrap(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.config.opampPort, this.config.httpHost, () => resolve());
    });
    const bound = this.server.address();
    const address = typeof bound === 'object' && bound ? bound : undefined;
    if (address) {
      this.config.opampPort = address.port; // OPAMP_PORT=0: everyone reads the bound one from config
    }
    this.admission.start(address);
    this.gateway.start();
    this.httpExpiry.start();
    this.logger.log(`OpAMP listening on ${this.config.opampUrl} (WebSocket and HTTP)`);
  }

  /**
   * First shutdown phase, while the database is still there: stop taking messages, let the ones
   * being handled finish, then say goodbye and mark every agent held here offline. A message
   * handled after that would mark its agent online again, or reach a closed database.
   */
  async onModuleDestroy(): Promise<void> {
    this.httpExpiry.stop();
    this.admission.stop();
    this.server.close();
    await Promise.all([this.gateway.drain(), this.httpTransport.drain()]);
    this.gateway.closeAll(1001, 'server shutting down');
    await Promise.all([...this.sessions.values()].map((session) => this.messages.disconnect(session)));
    this.server.closeAllConnections();
  }

  private async onUpgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    this.admission.requestRead(socket);
    socket.on('error', ignoreSocketError);
    const webSockets = this.webSockets;
    if (pathOf(request) !== OPAMP_PATH || !webSockets) {
      return refuseUpgrade(socket, 404, 'Not Found');
    }
    const refusal = this.admission.admit();
    if (refusal) {
      return refuseUpgrade(socket, 503, 'Service Unavailable', { 'Retry-After': String(refusal.retryAfterSeconds) });
    }
    const auth = await this.auth.authenticate(request);
    if (!auth.ok) {
      this.metrics.refused.inc({ reason: 'unauthorized' });
      return refuseUpgrade(socket, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer' });
    }
    webSockets.handleUpgrade(request, socket, head, (ws) => webSockets.emit('connection', ws, request));
  }
}

/**
 * A module-level listener, not an arrow in onUpgrade: an arrow would close over onUpgrade's scope,
 * and so keep the upgrade request (headers, raw headers) alive as long as the socket lives.
 */
function ignoreSocketError(): void {
  // A reset during or after the upgrade: ws reports it on the WebSocket; the socket needs a listener.
}
