import http from 'node:http';
import WebSocket from 'ws';
import { ClusterEventBus } from '../../src/events/cluster-event-bus.js';
import { CLOSE, EventsGateway } from '../../src/events/events.gateway.js';
import type { LiveEvent } from '../../src/events/live-event.js';
import { createTestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { description, uidText, WsTestAgent } from '../support/opamp-agents.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type Received = Array<Record<string, unknown>>;

/** Opens an SSE stream and collects its parsed `data:` payloads. */
function openStream(url: string, token: string): Promise<{ events: Received; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/api/v1/events`, { headers: { Authorization: `Bearer ${token}` } }, (res) => {
      const events: Received = [];
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const data = buffer
            .slice(0, end)
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          buffer = buffer.slice(end + 2);
          if (data) {
            events.push(JSON.parse(data) as Record<string, unknown>);
          }
        }
      });
      resolve({ events, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

/** A WebSocket events client collecting every message; `closed` resolves with the close code and reason. */
interface WsClient {
  ws: WebSocket;
  messages: Received;
  closed: Promise<{ code: number; reason: string }>;
  next(match: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

async function connectWs(baseUrl: string): Promise<WsClient> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/v1/events/ws`);
  const messages: Received = [];
  ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
  );
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return {
    ws,
    messages,
    closed,
    next: (match, timeoutMs = 2000) => eventually(() => Promise.resolve(messages.find(match)), timeoutMs),
  };
}

async function subscribed(baseUrl: string, token: string, subscription?: Record<string, unknown>): Promise<WsClient> {
  const client = await connectWs(baseUrl);
  client.ws.send(JSON.stringify({ type: 'auth', token }));
  await client.next((m) => m.type === 'ready');
  if (subscription) {
    client.ws.send(JSON.stringify({ type: 'subscribe', ...subscription }));
    await client.next((m) => m.type === 'subscribed');
  }
  return client;
}

describe('cluster-wide live events (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  let token: string;

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase();
    const shared = { DATABASE_URL: databaseUrl, OPAMP_ALLOW_ANONYMOUS: 'true' };
    a = await startTestApp({ ...shared, INSTANCE_ID: 'events-a', EVENTS_WS_MAX_BUFFERED_BYTES: '1048576' });
    b = await startTestApp({ ...shared, INSTANCE_ID: 'events-b' });
    token = await a.tokenFor('viewer');
  });

  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('streams an agent connecting on B to an SSE subscriber of A within a second, and its disconnect', async () => {
    const stream = await openStream(a.url, token);
    try {
      const agent = await WsTestAgent.connect(b.opampUrl);
      const started = Date.now();
      await agent.exchange({ agent_description: description('cluster-sse') });
      const id = uidText(agent.uid);
      await eventually(
        () => Promise.resolve(stream.events.some((e) => e.agent_id === id && e.change === 'connected')),
        1000,
      );
      expect(Date.now() - started).toBeLessThan(1000);
      agent.close();
      await eventually(
        () => Promise.resolve(stream.events.some((e) => e.agent_id === id && e.change === 'disconnected')),
        2000,
      );
    } finally {
      stream.close();
    }
  });

  it('shows an agent connecting on B to a WebSocket subscriber of A within a second', async () => {
    const client = await subscribed(a.url, token, { events: ['agent.connected'] });
    try {
      const agent = await WsTestAgent.connect(b.opampUrl);
      const started = Date.now();
      await agent.exchange({ agent_description: description('cluster-ws') });
      const id = uidText(agent.uid);
      const message = await client.next((m) => (m.event as { agent_id?: string } | undefined)?.agent_id === id, 1000);
      const elapsed = Date.now() - started;
      process.stdout.write(`agent connected on B seen by a WebSocket subscriber of A after ${elapsed} ms\n`);
      expect(elapsed).toBeLessThan(1000);
      expect(message).toEqual({ type: 'event', event: { type: 'agent', change: 'connected', agent_id: id } });
      agent.close();
      await eventually(() => Promise.resolve(client.messages.length >= 3), 300).catch(() => undefined);
      // Only the subscribed event type arrives (no disconnected, no status).
      expect(
        client.messages
          .filter((m) => m.type === 'event')
          .every((m) => (m.event as { change: string }).change === 'connected'),
      ).toBe(true);
    } finally {
      client.ws.close();
    }
  });

  it('filters by agent selector', async () => {
    const client = await subscribed(a.url, token, { events: ['agent'], selector: { team: 'blue' } });
    try {
      const red = await WsTestAgent.connect(b.opampUrl);
      await red.exchange({ agent_description: description('red', { team: 'red' }) });
      const blue = await WsTestAgent.connect(b.opampUrl);
      await blue.exchange({ agent_description: description('blue', { team: 'blue' }) });
      await client.next((m) => (m.event as { agent_id?: string } | undefined)?.agent_id === uidText(blue.uid));
      const seen = client.messages
        .filter((m) => m.type === 'event')
        .map((m) => (m.event as { agent_id: string }).agent_id);
      expect(seen).not.toContain(uidText(red.uid));
      red.close();
      blue.close();
    } finally {
      client.ws.close();
    }
  });

  it('closes clients that do not authenticate, present a bad token or send garbage, with a clear code', async () => {
    const bad = await connectWs(a.url);
    bad.ws.send(JSON.stringify({ type: 'auth', token: 'not-a-jwt' }));
    expect(await bad.closed).toEqual({ code: CLOSE.authFailed, reason: 'invalid or expired token' });
    const early = await connectWs(a.url);
    early.ws.send(JSON.stringify({ type: 'subscribe', events: ['*'] }));
    expect((await early.closed).code).toBe(CLOSE.authFailed);
    const garbage = await connectWs(a.url);
    garbage.ws.send('not json');
    expect((await garbage.closed).code).toBe(CLOSE.badMessage);
    const wrong = await subscribed(a.url, token);
    wrong.ws.send(JSON.stringify({ type: 'subscribe', events: 'agent' }));
    expect((await wrong.closed).code).toBe(CLOSE.badMessage);
  });

  it('closes a subscriber that stops reading once its unsent bytes pass the bound', async () => {
    const client = await subscribed(a.url, token);
    const socket = (client.ws as unknown as { _socket: import('node:net').Socket })._socket;
    socket.pause();
    const bus = a.server.app.get(ClusterEventBus);
    const gateway = a.server.app.get(EventsGateway);
    const before = gateway.subscribers;
    const padding = 'x'.repeat(1000);
    // Publish until the server gives up on the subscriber (kernel buffers take a few MB first).
    for (let round = 0; round < 1000 && gateway.subscribers >= before; round++) {
      for (let i = 0; i < 100; i++) {
        bus.publish({ type: 'rollout', change: 'progress', rollout_id: `slow-${round}-${i}`, detail: { padding } });
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(gateway.subscribers).toBe(before - 1);
    socket.resume();
    const closed = await Promise.race([
      client.closed,
      new Promise((resolve) => setTimeout(() => resolve('open'), 10_000)),
    ]);
    expect(closed).toEqual({ code: CLOSE.slowConsumer, reason: expect.stringContaining('slow consumer') });
    await a.server.app.get(ClusterEventBus).flush();
  });

  it('coalesces a burst into few NOTIFYs under the payload limit, and every distinct event arrives once', async () => {
    const source = b.server.app.get(ClusterEventBus);
    const sink = a.server.app.get(ClusterEventBus);
    await source.flush();
    const received: LiveEvent[] = [];
    const stop = sink.subscribe((event, local) => {
      if (!local && event.type === 'agent' && event.agent_id.startsWith('burst-')) {
        received.push(event);
      }
    });
    try {
      const notifiesBefore = source.stats.notifies;
      const distinct = 2000;
      for (let i = 0; i < distinct; i++) {
        source.publish({ type: 'agent', change: 'status', agent_id: `burst-${i}` });
        // Heartbeat-like repeats of the same change within the window travel once.
        source.publish({ type: 'agent', change: 'status', agent_id: `burst-${i}` });
      }
      await source.flush();
      await eventually(() => Promise.resolve(received.length >= distinct), 5000);
      const notifies = source.stats.notifies - notifiesBefore;
      // 4000 published events (2000 distinct); about 70 fit in one payload.
      process.stdout.write(`live events: ${2 * distinct} published, ${distinct} distinct, ${notifies} NOTIFYs\n`);
      expect(notifies).toBeLessThanOrEqual(distinct / 50);
      expect(new Set(received.map((e) => (e as { agent_id: string }).agent_id)).size).toBe(distinct);
      expect(received).toHaveLength(distinct);
    } finally {
      stop();
    }
  });
});
