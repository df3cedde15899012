import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import http from 'node:http';
import { localHost } from '../common/listen-address.js';
import { AppConfig } from '../config/app-config.js';
import { AgentAdmission } from './agent-admission.js';
import { HttpSessionExpiry } from './http-session-expiry.js';
import { pathOf, refuseUpgrade } from './http-replies.js';
import { OpampHttpTransport } from './opamp-http-transport.js';
import { OpampMessageService } from './opamp-message.service.js';
import { OPAMP_PATH } from './opamp-replies.js';
import { OpampWsTransport } from './opamp-ws-transport.js';
import { SessionRegistry } from './session-registry.js';

/**
 * The OpAMP port: its own HTTP server (agents never reach the API port), WebSocket upgrades and
 * plain HTTP POSTs on /v1/opamp plus the agent routes features register. Routes each to its
 * transport, and orders the shutdown.
 */
@Injectable()
export class OpampServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OpampServer.name);
  private readonly server = http.createServer();

  constructor(
    private readonly config: AppConfig,
    private readonly messages: OpampMessageService,
    private readonly sessions: SessionRegistry,
    private readonly admission: AgentAdmission,
    private readonly webSocket: OpampWsTransport,
    private readonly httpTransport: OpampHttpTransport,
    private readonly httpExpiry: HttpSessionExpiry,
  ) {
    this.server.on('request', (request, response) => void this.httpTransport.onRequest(request, response));
    this.server.on('upgrade', (request: http.IncomingMessage, socket, head: Buffer) => {
      socket.on('error', () => undefined);
      if (pathOf(request) !== OPAMP_PATH) {
        return refuseUpgrade(socket, 404, 'Not Found');
      }
      void this.webSocket.onUpgrade(request, socket, head);
    });
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
    this.admission.start();
    this.webSocket.start();
    this.httpExpiry.start();
    this.logger.log(`OpAMP listening on ${this.url} (WebSocket and HTTP)`);
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
    await Promise.all([this.webSocket.drain(), this.httpTransport.drain()]);
    this.webSocket.closeAll(1001, 'server shutting down');
    await Promise.all([...this.sessions.values()].map((session) => this.messages.disconnect(session)));
    this.server.closeAllConnections();
  }
}
