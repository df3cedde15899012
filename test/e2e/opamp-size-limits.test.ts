import fs from 'node:fs';
import net from 'node:net';
import zlib from 'node:zlib';
import { ServerErrorResponseType } from '../../src/opamp/proto/opamp.types.js';
import { createTestDatabase } from '../support/database.js';
import { BASIC_CAPABILITIES, codec, description, newUid, WsTestAgent } from '../support/opamp-agents.js';
import { spawnInstance, type SpawnedInstance } from '../support/spawned-instance.js';

const LIMIT = 16 * 1024 * 1024;

function rssBytes(pid: number): number {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')![1]) * 1024;
}

/** An AgentToServer of exactly `size` encoded bytes: an effective config padded to fit. */
function messageOfSize(uid: Uint8Array, sequence: number, size: number): Buffer {
  let pad = size - 200;
  for (;;) {
    const bytes = codec.encodeAgentToServer({
      instance_uid: uid,
      sequence_num: sequence,
      capabilities: BASIC_CAPABILITIES,
      effective_config: {
        config_map: { config_map: { '': { body: Buffer.alloc(pad, 'a'), content_type: 'text/yaml' } } },
      },
    });
    if (bytes.length === size) {
      return Buffer.from(bytes);
    }
    pad += size - bytes.length;
  }
}

/**
 * A raw HTTP/1.1 POST over a socket, so the test controls chunking and Content-Length, and reads
 * the status even when the server answers 413 and closes while the body is still being sent.
 */
function post(url: string, body: Buffer, headers: Record<string, string>, chunked: boolean): Promise<number> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let response = '';
    socket.on('data', (data: Buffer) => {
      response += data.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(response);
      if (status) {
        resolve(Number(status[1]));
        socket.destroy();
      }
    });
    socket.on('error', () => undefined); // EPIPE / ECONNRESET once the server has answered and closed
    socket.on('close', () => reject(new Error(`closed without a status line: ${response.slice(0, 200)}`)));
    const lines = [`POST ${pathname} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close'];
    lines.push(...Object.entries(headers).map(([key, value]) => `${key}: ${value}`));
    lines.push(chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${body.length}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (!chunked) {
      socket.write(body);
      return;
    }
    for (let i = 0; i < body.length; i += 65536) {
      const chunk = body.subarray(i, i + 65536);
      socket.write(`${chunk.length.toString(16)}\r\n`);
      socket.write(chunk);
      socket.write('\r\n');
    }
    socket.write('0\r\n\r\n');
  });
}

/**
 * The size limit (OPAMP_MAX_MESSAGE_BYTES) on both transports, against a spawned server whose
 * RSS is read from /proc: a message at the limit is served within ~3x its size of extra RSS and
 * the RSS comes back; one byte more is refused before it is decoded.
 */
describe('OpAMP message size limit (e2e, spawned server, RSS measured)', () => {
  let instance: SpawnedInstance;
  let pid: number;

  beforeAll(async () => {
    instance = await spawnInstance({
      DATABASE_URL: await createTestDatabase(),
      OPAMP_ALLOW_ANONYMOUS: 'true',
      OPAMP_MAX_MESSAGE_BYTES: String(LIMIT),
    });
    pid = instance.process.pid!;
  });

  afterAll(async () => {
    await instance.kill();
  });

  it('serves a WebSocket message at the limit within 3x its size of RSS, and the RSS comes back', async () => {
    const agent = await WsTestAgent.connect(instance.opampUrl);
    await agent.exchange({ agent_description: description('big-config') });
    const atLimit = messageOfSize(agent.uid, 2, LIMIT);
    // Settle, then take the baseline as the lowest of a few samples.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const baseline = Math.min(...[0, 1, 2, 3, 4].map(() => rssBytes(pid)));
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 2);
    agent.sequence = 2;
    agent.sendRaw(Buffer.concat([Buffer.of(0), atLimit]));
    const reply = await agent.message(2, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the batched inventory write follows the reply
    clearInterval(sampler);
    expect(reply.error_response).toBeUndefined();
    const growth = peak - baseline;
    // Back down: within one message size of the baseline (V8 and malloc keep some pages).
    let after = rssBytes(pid);
    const deadline = Date.now() + 30_000;
    while (after - baseline > LIMIT && Date.now() < deadline) {
      await agent.exchange({}); // ordinary traffic lets the collector run
      await new Promise((resolve) => setTimeout(resolve, 200));
      after = rssBytes(pid);
    }
    const mib = (n: number) => (n / 1048576).toFixed(1);
    process.stdout.write(
      `RSS for a ${mib(LIMIT)} MiB message: baseline ${mib(baseline)} MiB, peak ${mib(peak)} MiB ` +
        `(+${mib(growth)} MiB = ${(growth / LIMIT).toFixed(2)}x), after ${mib(after)} MiB\n`,
    );
    expect(growth).toBeLessThanOrEqual(3 * LIMIT);
    expect(after - baseline).toBeLessThanOrEqual(LIMIT);
    agent.close();
  }, 120_000);

  it('closes a WebSocket with 1009 for one byte over the limit, before decoding it', async () => {
    const agent = await WsTestAgent.connect(instance.opampUrl);
    await agent.exchange({ agent_description: description('too-big') });
    const before = rssBytes(pid);
    agent.sendRaw(Buffer.concat([Buffer.of(0), messageOfSize(agent.uid, 2, LIMIT + 1)]));
    expect(await agent.closed(10_000)).toBe(1009);
    expect(agent.received).toHaveLength(1); // no reply: it was never decoded
    const growth = rssBytes(pid) - before;
    process.stdout.write(
      `RSS growth for a refused ${LIMIT + 1}-byte WebSocket message: ${(growth / 1048576).toFixed(1)} MiB\n`,
    );
    expect(growth).toBeLessThan(3 * LIMIT);
  });

  it('closes with 1009 when fragments that are each under the limit add up to more', async () => {
    const agent = await WsTestAgent.connect(instance.opampUrl);
    await agent.exchange({ agent_description: description('fragments') });
    const frame = Buffer.concat([Buffer.of(0), messageOfSize(agent.uid, 2, LIMIT + 1)]);
    const half = Math.floor(frame.length / 2);
    agent.ws.send(frame.subarray(0, half), { binary: true, fin: false });
    agent.ws.send(frame.subarray(half), { binary: true, fin: true });
    expect(await agent.closed(10_000)).toBe(1009);
    expect(agent.received).toHaveLength(1);
  });

  it('counts oversize messages per transport in /metrics', async () => {
    const text = await (await fetch(`${instance.url}/metrics`)).text();
    expect(text).toMatch(/opamp_decode_errors_total\{transport="websocket",reason="too_large"\} [1-9]/);
  });

  it('answers 413 over HTTP for one byte over the limit: with Content-Length, chunked, and as a gzip bomb', async () => {
    const uid = newUid();
    const over = messageOfSize(uid, 1, LIMIT + 1);
    const headers = { 'Content-Type': 'application/x-protobuf' };
    expect(await post(instance.opampUrl, over, headers, false)).toBe(413);
    expect(await post(instance.opampUrl, over, headers, true)).toBe(413);
    // 64 MiB of padding compresses to ~64 KiB: refused once the inflated size passes the limit.
    const bomb = zlib.gzipSync(messageOfSize(uid, 1, 4 * LIMIT));
    expect(bomb.length).toBeLessThan(LIMIT / 64);
    const before = rssBytes(pid);
    expect(await post(instance.opampUrl, bomb, { ...headers, 'Content-Encoding': 'gzip' }, true)).toBe(413);
    const growth = rssBytes(pid) - before;
    process.stdout.write(`RSS growth for a gzip bomb (64 MiB inflated): ${(growth / 1048576).toFixed(1)} MiB\n`);
    expect(growth).toBeLessThan(3 * LIMIT);
    // At the limit, gzipped and chunked, it is served.
    const atLimit = zlib.gzipSync(messageOfSize(uid, 1, LIMIT));
    expect(await post(instance.opampUrl, atLimit, { ...headers, 'Content-Encoding': 'gzip' }, true)).toBe(200);
  }, 120_000);

  it('still answers a small message with the right error shape after all that', async () => {
    const agent = await WsTestAgent.connect(instance.opampUrl);
    agent.sendRaw(Buffer.from([0x00, 0x0a, 0x03, 1, 2, 3]));
    const reply = await agent.message(1);
    expect(reply.error_response?.type).toBe(ServerErrorResponseType.BadRequest);
    agent.close();
  });
});
