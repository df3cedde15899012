import crypto from 'node:crypto';
import type { Socket } from 'node:net';
import { createTestDatabase } from '../support/database.js';
import { description, uidText, WsTestAgent } from '../support/opamp-agents.js';
import { poll, printFigures, rssMiB, startInstance, type FaultInstance } from './support/fault-instance.js';

const CONFIG_BYTES = 900 * 1024;
const MAX_PUSHES = 40;

/** A Collector-ish YAML of about `bytes`, different every time (nothing compresses or repeats). */
function bigConfig(bytes: number): string {
  return `receivers:\n  otlp: {}\n# ${crypto.randomBytes(bytes / 2).toString('hex')}\n`;
}

describe('fault: a WebSocket agent that stops reading while pushes continue', () => {
  let instance: FaultInstance | undefined;

  afterAll(async () => {
    await instance?.kill();
    instance?.removeDataDir();
  });

  it('drops the agent (metric, log), keeps API latency low and RSS bounded, and the agent gets its config on reconnect', async () => {
    instance = await startInstance({
      DATABASE_URL: await createTestDatabase(),
      OPAMP_MAX_SEND_BUFFER_BYTES: String(4 * 1024 * 1024),
      OPAMP_SEND_TIMEOUT_MS: '20000',
      LOG_LEVEL: 'warn',
    });
    const token = await instance.token();
    const api = (method: string, path: string, body?: object): Promise<Response> =>
      fetch(`${instance!.url}/api/v1${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: body && JSON.stringify(body),
      });

    const agent = await WsTestAgent.connect(instance.opampUrl);
    await agent.exchange({ agent_description: description('slow-reader', { env: 'slow' }) });
    const created = await api('POST', '/configurations', {
      name: 'big',
      raw_config: bigConfig(CONFIG_BYTES),
      selector: { env: 'slow' },
    });
    expect(created.status).toBe(201);
    await agent.message(2);

    // From here on the agent reads nothing: the kernel buffers fill, then the server's.
    const socket = (agent.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    const heartbeat = setInterval(() => agent.send(), 500);
    const rssBefore = rssMiB(instance.pid);
    let rssPeak = rssBefore;
    const latencies: number[] = [];
    let pushes = 0;
    try {
      while (pushes < MAX_PUSHES && !instance.log().includes('does not read its socket')) {
        const started = Date.now();
        const updated = await api('PUT', '/configurations/big', { raw_config: bigConfig(CONFIG_BYTES) });
        const pushed = await api('POST', '/configurations/big/push', {});
        latencies.push(Date.now() - started);
        expect(updated.status).toBe(200);
        expect(pushed.status).toBeLessThan(300);
        pushes += 1;
        rssPeak = Math.max(rssPeak, rssMiB(instance.pid));
      }
    } finally {
      clearInterval(heartbeat);
    }
    const metrics = await (await fetch(`${instance.url}/metrics`)).text();
    const dropped = /opamp_slow_agents_dropped_total\{reason="(\w+)"\} (\d+)/.exec(metrics);
    // A push after the drop records the agent as not delivered instead of waiting.
    const afterDrop = await api('PUT', '/configurations/big', { raw_config: bigConfig(CONFIG_BYTES) });
    const lastHash = ((await afterDrop.json()) as { config_hash: string }).config_hash;
    const pushAfter = (await (await api('POST', '/configurations/big/push', {})).json()) as {
      sent: number;
      skipped: Array<{ agent_id: string; reason: string }>;
    };
    const agentRow = await poll('the agent offline', async () => {
      const body = (await (await api('GET', `/agents/${uidText(agent.uid)}`)).json()) as { status: string };
      return body.status === 'offline' && body;
    });

    // The same agent comes back, reading this time, and gets the latest version unasked.
    const back = await WsTestAgent.connect(instance.opampUrl, undefined, agent.uid);
    const reply = await back.exchange({ agent_description: description('slow-reader', { env: 'slow' }) });
    const offered = reply.remote_config ?? (await back.message(2, 10_000)).remote_config;
    back.close();
    const sorted = [...latencies].sort((a, b) => a - b);
    printFigures('non-reading WebSocket agent while pushes of ~900 KB continue', [
      ['pushes until the agent was dropped', pushes],
      ['drop reason (metric)', dropped ? `${dropped[1]} x${dropped[2]}` : 'none'],
      ['PUT+push latency p50 / max (ms)', `${sorted[Math.floor(sorted.length / 2)]} / ${sorted[sorted.length - 1]}`],
      ['server RSS before / peak (MiB)', `${rssBefore} / ${rssPeak}`],
      [
        'push after the drop: sent / skipped',
        `${pushAfter.sent} / ${pushAfter.skipped.map((s) => s.reason).join(',')}`,
      ],
      ['agent status after the drop', agentRow.status],
      [
        'config on reconnect has the latest hash',
        String(Buffer.from(offered?.config_hash ?? []).toString('hex') === lastHash),
      ],
    ]);
    expect(dropped).not.toBeNull();
    // Each PUT stores a ~900 KB version; the point is that none waits on the agent (it used to hang for minutes).
    expect(Math.max(...latencies)).toBeLessThan(8000);
    expect(rssPeak - rssBefore).toBeLessThan(120);
    expect(pushAfter.sent).toBe(0);
    expect(pushAfter.skipped).toEqual([{ agent_id: uidText(agent.uid), reason: 'not_connected' }]);
    expect(Buffer.from(offered?.config_hash ?? []).toString('hex')).toBe(lastHash);
  });
});
