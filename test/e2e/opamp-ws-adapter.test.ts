import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import WebSocket from 'ws';
import { OpampWsAdapter } from '../../src/opamp/opamp-ws.adapter.js';

/** A standard JSON gateway on the API port, as features add them beside the OpAMP one. */
@WebSocketGateway({ path: '/api/v1/echo' })
class EchoGateway {
  @SubscribeMessage('echo')
  echo(@MessageBody() data: unknown): { event: string; data: unknown } {
    return { event: 'echoed', data };
  }
}

@Module({ providers: [EchoGateway] })
class EchoModule {}

function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data: Buffer) => resolve(data.toString()));
    ws.once('error', reject);
  });
}

describe('OpampWsAdapter keeps standard gateways working on the API port (e2e)', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    app = await NestFactory.create(EchoModule, { logger: false });
    app.useWebSocketAdapter(new OpampWsAdapter(app));
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    url = `ws://127.0.0.1:${port}/api/v1/echo`;
  });

  afterAll(async () => {
    await app.close();
  });

  it('answers JSON messages through @SubscribeMessage handlers', async () => {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const reply = nextMessage(ws);
    ws.send(JSON.stringify({ event: 'echo', data: { n: 1 } }));
    expect(JSON.parse(await reply)).toEqual({ event: 'echoed', data: { n: 1 } });
    ws.close();
  });

  it('refuses upgrades on paths no gateway serves', async () => {
    const ws = new WebSocket(url.replace('/api/v1/echo', '/api/v1/nothing'));
    const outcome = await new Promise<string>((resolve) => {
      ws.once('open', () => resolve('open'));
      ws.once('error', () => resolve('refused'));
    });
    expect(outcome).toBe('refused');
  });
});
