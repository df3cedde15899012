import http from 'node:http';
import request from 'supertest';
import { postStreamed, streamedUpload } from '../support/multipart.js';
import { SEED_FIELDS } from '../support/packages.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const MIB = 1024 * 1024;

describe('package upload memory (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app.close();
  });

  it('streams a 200 MiB upload with under 64 MiB of RSS growth', async () => {
    const token = await app.tokenFor('operator');
    const size = 200 * MIB;
    // The app runs in this process, so this process's RSS is the server's (plus the client's).
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    try {
      const body = streamedUpload({ ...SEED_FIELDS, name: 'big-agent' }, size);
      const response = await postStreamed(`${app.url}/api/v1/packages`, token, body);
      expect(response.status).toBe(201);
      expect(response.body.file_size).toBe(size);
      expect(response.body.checksum).toBe(body.sha256());
    } finally {
      clearInterval(sampler);
    }
    const growthMiB = (peak - baseline) / MIB;
    process.stdout.write(
      `200 MiB upload: RSS growth ${growthMiB.toFixed(1)} MiB (baseline ${(baseline / MIB).toFixed(0)} MiB)\n`,
    );
    expect(growthMiB).toBeLessThan(64);
  }, 120_000);

  it('streams the 200 MiB download back without holding it', async () => {
    const token = await app.tokenFor('viewer');
    const list = await request(app.url)
      .get('/api/v1/packages')
      .query({ name: 'big-agent' })
      .set('Authorization', `Bearer ${token}`);
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    let received = 0;
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const url = `${app.url}/api/v1/packages/${list.body[0].id}/download`;
        http
          .get(url, { headers: { Authorization: `Bearer ${token}` } }, (response) => {
            response.on('data', (chunk: Buffer) => (received += chunk.length));
            response.on('end', () => resolve(response.statusCode ?? 0));
            response.on('error', reject);
          })
          .on('error', reject);
      });
      expect(status).toBe(200);
    } finally {
      clearInterval(sampler);
    }
    expect(received).toBe(200 * MIB);
    const growthMiB = (peak - baseline) / MIB;
    process.stdout.write(`200 MiB download: RSS growth ${growthMiB.toFixed(1)} MiB\n`);
    expect(growthMiB).toBeLessThan(64);
  }, 120_000);
});
