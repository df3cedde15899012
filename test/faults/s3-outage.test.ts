import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { createTestDatabase } from '../support/database.js';
import { freePort } from '../../src/common/free-port.js';
import {
  health,
  PACKAGE_FIELDS,
  poll,
  printFigures,
  startInstance,
  uploadPackage,
  type FaultInstance,
} from './support/fault-instance.js';

const MIB = 1024 * 1024;
const CREDENTIALS = 'S3RVER';

/** s3rver on a fixed port and directory, so it can be stopped (connections cut) and started again. */
class StoppableS3 {
  private server?: S3rver;
  constructor(
    readonly port: number,
    readonly directory: string,
  ) {}

  async start(): Promise<void> {
    this.server = new S3rver({ address: '127.0.0.1', port: this.port, silent: true, directory: this.directory });
    await this.server.run();
  }

  /** As an outage looks from the client: the listener closes and open connections are cut. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const http = (server as unknown as { httpServer?: { closeAllConnections(): void } }).httpServer;
    const closing = server?.close();
    http?.closeAllConnections();
    await closing;
  }
}

describe('fault: the S3 store goes away mid-upload and mid-download', () => {
  let instance: FaultInstance | undefined;
  let s3: StoppableS3 | undefined;

  afterAll(async () => {
    await instance?.kill();
    instance?.removeDataDir();
    await s3?.stop();
    if (s3) {
      fs.rmSync(s3.directory, { recursive: true, force: true });
    }
  });

  it('answers 503 with Retry-After naming S3, survives, and works again once S3 is back', async () => {
    s3 = new StoppableS3(await freePort(), fs.mkdtempSync(path.join(os.tmpdir(), 'opamp-fault-s3-')));
    await s3.start();
    instance = await startInstance({
      DATABASE_URL: await createTestDatabase(),
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: `http://127.0.0.1:${s3.port}`,
      S3_BUCKET: 'fault-packages',
      S3_ACCESS_KEY_ID: CREDENTIALS,
      S3_SECRET_ACCESS_KEY: CREDENTIALS,
      LOG_LEVEL: 'warn',
    });
    const token = await instance.token();
    const stored = await uploadPackage(instance.url, token, { ...PACKAGE_FIELDS, version: '1.0.0' }, 12 * MIB);
    expect(stored.status).toBe(201);

    // Mid-upload: 8 MiB in, the store disappears.
    const cut = await uploadPackage(instance.url, token, { ...PACKAGE_FIELDS, version: '2.0.0' }, 24 * MIB, {
      atBytes: 8 * MIB,
      hook: () => s3!.stop(),
    });
    const healthDown = await health(instance.url);

    // Mid-download: S3 back, a download starts, S3 goes away after the first bytes.
    await s3.start();
    const response = await fetch(`${instance.url}/api/v1/packages/${stored.body.id}/download`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    const reader = response.body!.getReader();
    let received = (await reader.read()).value?.length ?? 0;
    await s3.stop();
    const downloadCut = await (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            return received < 12 * MIB ? 'ended short' : 'completed from buffers';
          }
          received += value.length;
        }
      } catch {
        return 'connection cut';
      }
    })();
    const refused = await fetch(`${instance.url}/api/v1/packages/${stored.body.id}/download`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    const refusedBody = (await refused.json()) as { message: string };
    const alive = await fetch(`${instance.url}/api/v1/packages`, { headers: { Authorization: `Bearer ${token}` } });

    await s3.start();
    const healthBack = await poll('/health ok with S3 back', async () => {
      const h = await health(instance!.url);
      return h.status === 200 && h;
    });
    const again = await uploadPackage(instance.url, token, { ...PACKAGE_FIELDS, version: '2.0.0' }, 6 * MIB);
    printFigures('S3 (s3rver) stopped mid-upload and mid-download', [
      ['upload cut at 8 of 24 MiB: status / Retry-After', `${cut.status} / ${String(cut.headers['retry-after'])}`],
      ['its message', String(cut.body.message)],
      ['/health while S3 is down', `${healthDown.status} ${healthDown.body.status}`],
      ['download with S3 stopped after the first bytes', `${downloadCut} after ${received} bytes`],
      [
        'next download while S3 is down: status / Retry-After',
        `${refused.status} / ${refused.headers.get('retry-after')}`,
      ],
      ['API answers meanwhile (GET /packages)', alive.status],
      ['/health once S3 is back', `${healthBack.status} ${healthBack.body.status}`],
      ['the same upload again', again.status],
    ]);
    expect(cut.status).toBe(503);
    expect(cut.headers['retry-after']).toBe('30');
    expect(cut.body.message).toMatch(/S3 store/);
    expect(JSON.stringify(cut.body)).not.toContain(CREDENTIALS);
    expect(JSON.stringify(cut.body)).not.toContain(String(s3.port));
    expect(healthDown.status).toBe(503);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(refusedBody.message).toMatch(/S3 store/);
    expect(alive.status).toBe(200);
    expect(again.status).toBe(201);
  });
});
