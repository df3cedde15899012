import http from 'node:http';
import { ClusterEventBus } from '../../src/events/cluster-event-bus.js';
import type { LiveEvent } from '../../src/events/live-event.js';
import { createTestDatabase } from '../support/database.js';
import { description, eventually, uidText, WsTestAgent } from '../support/opamp-agents.js';
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

describe('cluster-wide live events (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  let token: string;

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase();
    const shared = { DATABASE_URL: databaseUrl, OPAMP_ALLOW_ANONYMOUS: 'true' };
    a = await startTestApp({ ...shared, INSTANCE_ID: 'events-a' });
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
