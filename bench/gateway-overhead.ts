import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WebSocketGateway, type OnGatewayConnection, type OnGatewayDisconnect } from '@nestjs/websockets';
import { EventEmitter } from 'node:events';
import type { WebSocketServer } from 'ws';
import { AppConfig } from '../src/config/app-config.js';
import { OPAMP_PATH, OPAMP_PORT_GATEWAY } from '../src/opamp/opamp-replies.js';
import { OpampServer } from '../src/opamp/opamp-server.js';
import { OpampWsAdapter } from '../src/opamp/opamp-ws.adapter.js';

/**
 * node dist/bench/gateway-overhead.js [connections]
 * What serving the OpAMP WebSocket endpoint as a Nest gateway adds per connection: the same
 * connection handler called through OpampWsAdapter + Nest's gateway wiring, and called directly
 * from the ws server's 'connection' event (the shape before the gateway), on fake sockets so only
 * the wiring is measured. Messages take the same path either way (the gateway's own listener).
 */
const count = Number(process.argv[2] ?? 200_000);
let handled = 0;
const handler = (client: EventEmitter): void => {
  handled += 1;
  client.on('message', () => undefined);
};

@WebSocketGateway({ path: OPAMP_PATH, [OPAMP_PORT_GATEWAY]: true })
class ProbeGateway implements OnGatewayConnection<EventEmitter>, OnGatewayDisconnect<EventEmitter> {
  handleConnection(client: EventEmitter): void {
    handler(client);
  }
  handleDisconnect(): void {
    handled -= 0;
  }
}

let attached: WebSocketServer | undefined;
@Module({
  providers: [
    ProbeGateway,
    { provide: AppConfig, useValue: { opampMaxMessageBytes: 1 << 20 } },
    { provide: OpampServer, useValue: { attachWebSocketServer: (server: WebSocketServer) => (attached = server) } },
  ],
})
class ProbeModule {}

function cpuMicros(run: () => void): number {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

const app = await NestFactory.create(ProbeModule, { logger: false });
app.useWebSocketAdapter(new OpampWsAdapter(app));
await app.init();
const direct = new EventEmitter();
direct.on('connection', handler);
const connectAndClose = (server: EventEmitter) => () => {
  for (let i = 0; i < count; i++) {
    const client = new EventEmitter();
    server.emit('connection', client, {});
    client.emit('close', 1000, Buffer.alloc(0));
  }
};
// Warm both paths up first, then measure each twice, alternating.
connectAndClose(attached!)();
connectAndClose(direct)();
const runs = { gateway: [] as number[], direct: [] as number[] };
for (let round = 0; round < 2; round++) {
  runs.gateway.push(cpuMicros(connectAndClose(attached!)) / count);
  runs.direct.push(cpuMicros(connectAndClose(direct)) / count);
}
const best = (values: number[]): number => Math.min(...values);
console.log(
  JSON.stringify({
    connections: count,
    gatewayMicrosPerConnect: best(runs.gateway).toFixed(2),
    directMicrosPerConnect: best(runs.direct).toFixed(2),
    addedMicrosPerConnect: (best(runs.gateway) - best(runs.direct)).toFixed(2),
    handled,
  }),
);
await app.close();
