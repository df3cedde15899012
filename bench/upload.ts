import 'reflect-metadata';
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/app-config.js';
import { startServer } from '../src/server.js';

/**
 * Upload throughput of one large package to S3 (s3rver in its own process): through the tus
 * endpoint, through the plain multipart POST, and with a bare `@aws-sdk/lib-storage` multipart
 * upload of the same file from this process, plus this process's RSS growth while each runs.
 * PASS needs tus >= 80 % of the bare upload and <= 64 MiB growth. `npm run bench:upload`;
 * BENCH_BYTES (default 1 GiB) and BENCH_RUNS (default 2) adjust it.
 */
const MIB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_BYTES ?? 1024 * MIB);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const PASSWORD = 'bench-admin-password';
const BUCKET = 'bench-packages';

interface Sample {
  mbps: number;
  rssMiB: number;
}

async function writeFile(file: string): Promise<void> {
  const block = crypto.randomBytes(4 * MIB);
  function* blocks(): Generator<Buffer> {
    for (let written = 0; written < SIZE; written += block.length) {
      yield block.subarray(0, Math.min(block.length, SIZE - written));
    }
  }
  await pipeline(Readable.from(blocks()), fs.createWriteStream(file));
}

function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: Readable | Buffer,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          text: Buffer.concat(chunks).toString(),
        }),
      );
    });
    request.on('error', reject);
    if (body === undefined || Buffer.isBuffer(body)) {
      request.end(body);
    } else {
      body.pipe(request);
    }
  });
}

/** Runs `work` and returns MiB/s over SIZE bytes and the peak RSS growth of this process. */
async function measure(work: () => Promise<void>): Promise<Sample> {
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  const started = process.hrtime.bigint();
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { mbps: SIZE / MIB / seconds, rssMiB: (peak - baseline) / MIB };
}

const meta = (fields: Record<string, string>): string =>
  Object.entries(fields)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');

async function tusUpload(base: string, token: string, file: string, version: string): Promise<void> {
  const auth = { Authorization: `Bearer ${token}`, 'Tus-Resumable': '1.0.0' };
  const fields = { filename: 'bench.bin', name: 'bench-tus', version, platform: 'linux', arch: 'amd64' };
  const created = await send(`${base}/api/v1/uploads`, 'POST', {
    ...auth,
    'Upload-Length': String(SIZE),
    'Upload-Metadata': meta(fields),
  });
  if (created.status !== 201) {
    throw new Error(`tus create: ${created.status} ${created.text}`);
  }
  const done = await send(
    `${base}${String(created.headers.location)}`,
    'PATCH',
    {
      ...auth,
      'Upload-Offset': '0',
      'Content-Type': 'application/offset+octet-stream',
      'Content-Length': String(SIZE),
    },
    fs.createReadStream(file, { highWaterMark: MIB }),
  );
  if (done.status !== 204 || !done.headers['upload-package-id']) {
    throw new Error(`tus patch: ${done.status} ${done.text}`);
  }
}

async function multipartUpload(base: string, token: string, file: string, version: string): Promise<void> {
  const boundary = `bench-${crypto.randomBytes(8).toString('hex')}`;
  const field = (name: string, value: string): string =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = Buffer.from(
    field('name', 'bench-multipart') +
      field('version', version) +
      field('platform', 'linux') +
      field('arch', 'amd64') +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.bin"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* body(): AsyncGenerator<Buffer> {
    yield head;
    yield* fs.createReadStream(file, { highWaterMark: MIB }) as AsyncIterable<Buffer>;
    yield tail;
  }
  const response = await send(
    `${base}/api/v1/packages`,
    'POST',
    {
      Authorization: `Bearer ${token}`,
      'Content-Type': `multipart/form-data; boundary=${boundary}`,
      'Content-Length': String(head.length + SIZE + tail.length),
    },
    Readable.from(body()),
  );
  if (response.status !== 201) {
    throw new Error(`multipart: ${response.status} ${response.text}`);
  }
}

async function bareUpload(client: S3Client, file: string, run: number): Promise<void> {
  // The same part size and concurrency the tus S3 store uses.
  const upload = new Upload({
    client,
    params: { Bucket: BUCKET, Key: `bare/${run}`, Body: fs.createReadStream(file, { highWaterMark: MIB }) },
    partSize: 8 * MIB,
    queueSize: 4,
  });
  await upload.done();
}

async function startS3rver(directory: string): Promise<{ child: ChildProcess; endpoint: string }> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support', 's3rver-process.js');
  const child = spawn(process.execPath, [script, directory], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (line: Buffer) => resolve((JSON.parse(line.toString()) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
  });
  return { child, endpoint: `http://127.0.0.1:${port}` };
}

function best(samples: Sample[]): { mbps: number; rssMiB: number } {
  return { mbps: Math.max(...samples.map((s) => s.mbps)), rssMiB: Math.max(...samples.map((s) => s.rssMiB)) };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opamp-bench-upload-'));
  fs.chmodSync(dir, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
  const file = path.join(dir, 'package.bin');
  await writeFile(file);
  const s3 = await startS3rver(path.join(dir, 's3'));
  const settings = {
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: BUCKET,
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
  };
  const config = loadConfig({
    HTTP_PORT: '0',
    OPAMP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ADMIN_PASSWORD: PASSWORD,
    DATA_DIR: path.join(dir, 'data'),
    STORAGE_DRIVER: 's3',
    PACKAGE_MAX_BYTES: String(Math.max(SIZE, 1024 * MIB)),
    ...settings,
  });
  const server = await startServer(config);
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    const login = await send(
      `${server.httpUrl}/api/v1/auth/login`,
      'POST',
      { 'Content-Type': 'application/json' },
      Buffer.from(JSON.stringify({ username: 'admin', password: PASSWORD })),
    );
    const token = (JSON.parse(login.text) as { token: string }).token;
    const bare: Sample[] = [];
    const tus: Sample[] = [];
    const multipart: Sample[] = [];
    // Interleaved runs, best of each: the machine is shared, so single runs are noisy.
    for (let run = 0; run < RUNS; run++) {
      bare.push(await measure(() => bareUpload(client, file, run)));
      tus.push(await measure(() => tusUpload(server.httpUrl, token, file, `1.0.${run}`)));
      multipart.push(await measure(() => multipartUpload(server.httpUrl, token, file, `1.0.${run}`)));
    }
    const b = best(bare);
    const t = best(tus);
    const m = best(multipart);
    const ratio = t.mbps / b.mbps;
    const pass = ratio >= 0.8 && t.rssMiB <= 64;
    console.log(`package size:            ${(SIZE / MIB).toFixed(0)} MiB, best of ${RUNS}`);
    console.log(`bare aws-sdk multipart:  ${b.mbps.toFixed(0)} MiB/s, RSS growth ${b.rssMiB.toFixed(1)} MiB`);
    console.log(`tus (one PATCH):         ${t.mbps.toFixed(0)} MiB/s, RSS growth ${t.rssMiB.toFixed(1)} MiB`);
    console.log(`plain multipart POST:    ${m.mbps.toFixed(0)} MiB/s, RSS growth ${m.rssMiB.toFixed(1)} MiB`);
    console.log(`tus / bare:              ${(ratio * 100).toFixed(1)} % (needs >= 80 %; RSS <= 64 MiB)`);
    console.log(pass ? 'PASS' : 'FAIL');
    process.exitCode = pass ? 0 : 1;
  } finally {
    client.destroy();
    await server.stop();
    s3.child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
