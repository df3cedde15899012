import type { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { Observable } from 'rxjs';
import { WebSocketServer, type WebSocket } from 'ws';
import { AppConfig } from '../config/app-config.js';
import { OPAMP_PORT_GATEWAY } from './opamp-replies.js';
import { OpampServer } from './opamp-server.js';

/**
 * The app's one WebSocket adapter. Standard gateways (JSON messages on the API port) get
 * WsAdapter's behaviour unchanged; the OpAMP gateway is different in three ways:
 *
 * - its server is attached to the OpAMP port's HTTP server (a runtime setting, so not in the
 *   decorator), which admits and authenticates an upgrade before the gateway sees it;
 * - its frames are binary OpAMP (header varint + protobuf), which WsAdapter's JSON parser would
 *   drop: the gateway reads them itself, so no message handlers (and no per-message Observable)
 *   are bound to its clients;
 * - socket errors (oversized frames...) are the gateway's to count, not Nest's to log.
 */
export class OpampWsAdapter extends WsAdapter {
  private readonly opampServers = new WeakSet<object>();
  private readonly opampClients = new WeakSet<object>();

  constructor(private readonly app: INestApplicationContext) {
    super(app);
  }

  override create(port: number, options?: Record<string, unknown>): unknown {
    if (!options?.[OPAMP_PORT_GATEWAY]) {
      return super.create(port, options);
    }
    const config = this.app.get(AppConfig);
    const server = new WebSocketServer({
      noServer: true,
      // +1 for the header byte; ws closes with 1009 past this.
      maxPayload: config.opampMaxMessageBytes + 1,
      perMessageDeflate: false,
      // The gateway keeps its own registry of connections.
      clientTracking: false,
    });
    this.opampServers.add(server);
    this.app.get(OpampServer).attachWebSocketServer(server);
    return server;
  }

  override bindClientConnect(server: WebSocketServer, callback: (...args: unknown[]) => void): void {
    if (!this.opampServers.has(server)) {
      return super.bindClientConnect(server, callback);
    }
    server.on('connection', (client: WebSocket, ...rest: unknown[]) => {
      this.opampClients.add(client);
      callback(client, ...rest);
    });
  }

  override bindMessageHandlers(
    client: WebSocket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    // Asked once per client, right after it connected: the set need not hold tens of thousands.
    if (this.opampClients.delete(client)) {
      return;
    }
    super.bindMessageHandlers(client, handlers, transform);
  }

  /** `close` is emitted once per socket: `on` does what `once` would, without a wrapper per socket. */
  override bindClientDisconnect(client: WebSocket, callback: (...args: unknown[]) => void): void {
    client.on('close', callback);
  }
}
