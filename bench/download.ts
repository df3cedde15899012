import 'reflect-metadata';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loadConfig } from '../src/config/app-config.js';
import { startServer } from '../src/server.js';

/**
 * Download throughput of a 1 GiB package through the server, as a ratio to a bare Node
 * `fs.createReadStream` -> HTTP response of the same file in the same process, and the RSS
 * growth while it runs. PASS needs >= 80 % of the bare throughput and <= 64 MiB growth.
 * Runs on the embedded PostgreSQL and the filesystem driver; `npm run bench:download`.
 */
const MIB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_BYTES ?? 1024 * MIB);
const RUNS = 3;
const PASSWORD = 'bench-admin-password';

async function writeFile(file: string): Promise<void> {
  const block = crypto.randomBytes(4 * MIB);
  function* blocks(): Generator<Buffer> {
    for (let written = 0; written < SIZE; written += block.length) {
      yield block.subarray(0, Math.min(block.length, SIZE - written));
    }
  }
  await pipeline(Readable.from(blocks()), fs.createWriteStream(file));
}

async function post(url: string, body: Buffer | Readable, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if ((response.statusCode ?? 500) >= 300) {
          reject(new Error(`${url}: ${response.statusCode} ${text}`));
        } else {
          resolve(text);
        }
      });
    });
    request.on('error', reject);
    if (Buffer.isBuffer(body)) {
      request.end(body);
    } else {
      body.pipe(request);
    }
  });
}

async function upload(baseUrl: string, token: string, file: string): Promise<number> {
  const boundary = `bench-${crypto.randomBytes(8).toString('hex')}`;
  const field = (name: string, value: string): string =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = Buffer.from(
    field('name', 'bench-agent') +
      field('version', '1.0.0') +
      field('platform', 'linux') +
      field('arch', 'amd64') +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.bin"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* body(): AsyncGenerator<Buffer> {
    yield head;
    yield* fs.createReadStream(file) as AsyncIterable<Buffer>;
    yield tail;
  }
  const text = await post(`${baseUrl}/api/v1/packages`, Readable.from(body()), {
    Authorization: `Bearer ${token}`,
    'Content-Type': `multipart/form-data; boundary=${boundary}`,
    'Content-Length': String(head.length + SIZE + tail.length),
  });
  return (JSON.parse(text) as { id: number }).id;
}

/** Downloads `url`, discarding the bytes; returns MB/s and the peak RSS growth. */
async function measure(url: string, headers: Record<string, string> = {}): Promise<{ mbps: number; rssMiB: number }> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  const started = process.hrtime.bigint();
  const received = await new Promise<number>((resolve, reject) => {
    http
      .get(url, { headers }, (response) => {
        let bytes = 0;
        response.on('data', (chunk: Buffer) => (bytes += chunk.length));
        response.on('end', () => resolve(bytes));
        response.on('error', reject);
      })
      .on('error', reject);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  if (received !== SIZE) {
    throw new Error(`${url}: received ${received} of ${SIZE} bytes`);
  }
  return { mbps: SIZE / MIB / seconds, rssMiB: (peak - baseline) / MIB };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opamp-bench-'));
  fs.chmodSync(dir, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
  const file = path.join(dir, 'package.bin');
  await writeFile(file);
  const config = loadConfig({
    HTTP_PORT: '0',
    OPAMP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ADMIN_PASSWORD: PASSWORD,
    DATA_DIR: path.join(dir, 'data'),
  });
  const server = await startServer(config);
  const bare = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(SIZE) });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  try {
    const login = await post(
      `${server.httpUrl}/api/v1/auth/login`,
      Buffer.from(JSON.stringify({ username: 'admin', password: PASSWORD })),
      { 'Content-Type': 'application/json' },
    );
    const token = (JSON.parse(login) as { token: string }).token;
    const id = await upload(server.httpUrl, token, file);
    const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;
    const ourUrl = `${server.httpUrl}/api/v1/packages/${id}/download`;
    let bestBare = 0;
    let bestOurs = 0;
    let worstRss = 0;
    // Interleaved runs, best of each: the machine is shared, so single runs are noisy.
    for (let run = 0; run < RUNS; run++) {
      bestBare = Math.max(bestBare, (await measure(bareUrl)).mbps);
      const ours = await measure(ourUrl, { Authorization: `Bearer ${token}` });
      bestOurs = Math.max(bestOurs, ours.mbps);
      worstRss = Math.max(worstRss, ours.rssMiB);
    }
    const ratio = bestOurs / bestBare;
    const pass = ratio >= 0.8 && worstRss <= 64;
    console.log(`package size:        ${(SIZE / MIB).toFixed(0)} MiB`);
    console.log(`bare fs -> http:     ${bestBare.toFixed(0)} MiB/s (best of ${RUNS})`);
    console.log(`server download:     ${bestOurs.toFixed(0)} MiB/s (best of ${RUNS})`);
    console.log(`ratio:               ${(ratio * 100).toFixed(1)} % (needs >= 80 %)`);
    console.log(`RSS growth (worst):  ${worstRss.toFixed(1)} MiB (needs <= 64 MiB)`);
    console.log(pass ? 'PASS' : 'FAIL');
    process.exitCode = pass ? 0 : 1;
  } finally {
    bare.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
