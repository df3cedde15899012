import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { OpampCodec } from '../src/opamp/proto/opamp-codec.js';
import { ServerCapabilities, type ServerToAgent } from '../src/opamp/proto/opamp.types.js';

/**
 * The physical limit of a Node OpAMP server on this machine: bare `ws` plus plain HTTP POST on
 * /v1/opamp, which checks the header byte, decodes every AgentToServer (a real server must) and
 * answers a canned ServerToAgent echoing instance_uid. No auth, no state, no database.
 */
const CAPABILITIES =
  ServerCapabilities.AcceptsStatus | ServerCapabilities.OffersRemoteConfig | ServerCapabilities.AcceptsEffectiveConfig;
const HEADER = Buffer.from([0]);

export interface BaselineServer {
  port: number;
  close(): Promise<void>;
}

export async function startBaselineServer(port = 0, host = '127.0.0.1'): Promise<BaselineServer> {
  const codec = new OpampCodec();
  const reply = (body: Uint8Array): Uint8Array => {
    const message = codec.decodeAgentToServer(body);
    const answer: ServerToAgent = {
      instance_uid: message.instance_uid ?? new Uint8Array(16),
      capabilities: CAPABILITIES,
    };
    return codec.encodeServerToAgent(answer);
  };
  // clientTracking off and no per-message deflate: the cheapest sockets ws can hold.
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false });
  const sockets = new Set<WebSocket>();
  const server = http.createServer((request, response) => {
    if (request.method !== 'POST' || request.url !== '/v1/opamp') {
      response.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        const body = reply(Buffer.concat(chunks));
        response.writeHead(200, { 'Content-Type': 'application/x-protobuf', 'Content-Length': body.length });
        response.end(body);
      } catch {
        response.writeHead(400).end();
      }
    });
  });
  server.keepAliveTimeout = 65_000;
  server.on('upgrade', (request, socket, head) => {
    if (request.url !== '/v1/opamp') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => ws.terminate());
      ws.on('message', (data: Buffer, isBinary) => {
        if (!isBinary || data.length === 0 || data[0] !== 0) {
          ws.close(1002, 'bad header');
          return;
        }
        try {
          ws.send(Buffer.concat([HEADER, reply(data.subarray(1))]), { binary: true });
        } catch {
          ws.close(1002, 'malformed AgentToServer');
        }
      });
    });
  });
  await new Promise<void>((resolve) => server.listen({ port, host, backlog: 4096 }, resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets) {
          ws.terminate();
        }
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// Run as a process of its own so the benchmark can read its RSS and CPU from /proc:
// node dist/bench/baseline-server.js [port]  → prints {"port": N} when listening.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await startBaselineServer(Number(process.argv[2] ?? 0));
  console.log(JSON.stringify({ port: server.port, pid: process.pid }));
  const shutdown = (): void => void server.close().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  process.on('disconnect', shutdown);
}
