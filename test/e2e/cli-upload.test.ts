import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { generateKey, readKey } from 'openpgp';
import request from 'supertest';
import { CLI_TIMEOUT, cliUser, type CliUser } from '../support/cli.js';
import { eventually } from '../support/eventually.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const MiB = 1024 * 1024;

/** A loopback TCP proxy that forwards client bytes at a bounded rate (so an upload can be caught mid-way). */
interface SlowProxy {
  url: string;
  /** Bytes forwarded from clients to the server since the last reset. */
  sent: number;
  /** Cuts every connection, as a lost network would. */
  drop(): void;
  close(): Promise<void>;
}

async function slowProxy(target: string, bytesPerSecond: number): Promise<SlowProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const proxy: SlowProxy = { url: '', sent: 0, drop: () => undefined, close: () => Promise.resolve() };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      proxy.sent += chunk.length;
      upstream.write(chunk);
      client.pause();
      setTimeout(() => client.resume(), (chunk.length * 1000) / bytesPerSecond);
    });
    client.on('end', () => upstream.end());
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  proxy.drop = () => sockets.forEach((s) => s.destroy());
  proxy.close = () => {
    sockets.forEach((s) => s.destroy());
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return proxy;
}

const uploadArgs = (file: string, name: string, ...extra: string[]) => [
  'packages',
  'upload',
  file,
  '--name',
  name,
  '--version',
  '1.0.0',
  '--platform',
  'linux',
  '--arch',
  'amd64',
  '-o',
  'json',
  ...extra,
];

describe('opampctl packages upload: resumable (tus) and signed (e2e)', () => {
  let app: TestApp;
  let cli: CliUser;
  let admin: string;
  let tmp: string;
  let proxy: SlowProxy;

  const storedUploads = (): Array<{ uploadUrl: string }> => {
    try {
      return Object.values(JSON.parse(fs.readFileSync(path.join(cli.configDir, 'opampctl', 'uploads.json'), 'utf8')));
    } catch {
      return [];
    }
  };
  const serverOffset = async (uploadUrl: string): Promise<number> => {
    const { pathname } = new URL(uploadUrl);
    const head = await request(app.url)
      .head(pathname)
      .set('Authorization', `Bearer ${admin}`)
      .set('Tus-Resumable', '1.0.0');
    return Number(head.headers['upload-offset'] ?? -1);
  };
  const packagesNamed = async (name: string) =>
    (await request(app.url).get(`/api/v1/packages?name=${name}`).set('Authorization', `Bearer ${admin}`).expect(200))
      .body as Array<{ id: number; file_size: number; checksum: string }>;

  beforeAll(async () => {
    app = await startTestApp();
    admin = await app.login();
    cli = cliUser();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'opampctl-upload-'));
    proxy = await slowProxy(app.url, 8 * MiB);
  });

  afterAll(async () => {
    await proxy?.close();
    cli.cleanup();
    fs.rmSync(tmp, { recursive: true, force: true });
    await app.close();
  });

  it(
    'an upload killed mid-way resumes on the next run: only the missing bytes are sent, one package is stored',
    async () => {
      const size = 24 * MiB;
      const file = path.join(tmp, 'collector.tar.gz');
      const content = crypto.randomBytes(size);
      fs.writeFileSync(file, content);
      const env = { OPAMP_SERVER: proxy.url, OPAMP_TOKEN: admin };

      const first = cli.spawn(uploadArgs(file, 'resumed'), env);
      const exited = new Promise((resolve) => first.on('exit', resolve));
      const uploadUrl = await eventually(() => Promise.resolve(storedUploads()[0]?.uploadUrl), 20_000);
      await eventually(async () => (await serverOffset(uploadUrl)) >= 2 * MiB, 20_000);
      first.kill('SIGKILL');
      await exited;
      // Bytes the killed CLI had handed to its socket must not reach the server later.
      proxy.drop();
      let last = -1;
      const offsetAtKill = await eventually(async () => {
        const offset = await serverOffset(uploadUrl);
        const settled = offset === last && offset;
        last = offset;
        return settled;
      }, 10_000);
      expect(offsetAtKill).toBeGreaterThanOrEqual(2 * MiB);
      expect(offsetAtKill).toBeLessThan(size);
      expect(await packagesNamed('resumed')).toEqual([]);

      proxy.sent = 0;
      const second = await cli.run(uploadArgs(file, 'resumed'), { env });
      expect(second.code).toBe(0);
      const resumedAt = Number(/Resuming an earlier upload of .* at byte (\d+) of (\d+)/.exec(second.stderr)?.[1]);
      expect(resumedAt).toBeGreaterThanOrEqual(offsetAtKill);
      // The second run sent what was missing (plus headers and the small requests), not the whole file again.
      expect(proxy.sent).toBeLessThan(size - offsetAtKill + 256 * 1024);
      const uploaded = JSON.parse(second.stdout);
      expect(uploaded).toEqual(
        expect.objectContaining({
          name: 'resumed',
          file_size: size,
          checksum: crypto.createHash('sha256').update(content).digest('hex'),
          signature_status: 'unsigned',
        }),
      );
      expect((await packagesNamed('resumed')).map((p) => p.id)).toEqual([uploaded.id]);
      // Finished: nothing left to resume.
      expect(storedUploads()).toEqual([]);
    },
    CLI_TIMEOUT,
  );

  it(
    '--sign makes a detached OpenPGP signature with a protected key; the server verifies it (valid)',
    async () => {
      const generated = await generateKey({
        type: 'ecc',
        curve: 'curve25519Legacy',
        userIDs: [{ name: 'Release', email: 'release@example.test' }],
        passphrase: 'correct horse',
        format: 'armored',
      });
      const keyFile = path.join(tmp, 'release-key.asc');
      fs.writeFileSync(keyFile, generated.privateKey, { mode: 0o600 });
      const fingerprint = (await readKey({ armoredKey: generated.publicKey })).getFingerprint();
      await request(app.url)
        .post('/api/v1/signing-keys')
        .set('Authorization', `Bearer ${admin}`)
        .send({ armored_key: generated.publicKey })
        .expect(201);
      const file = path.join(tmp, 'signed.tar.gz');
      fs.writeFileSync(file, crypto.randomBytes(512 * 1024 + 3));
      const env = { OPAMP_SERVER: app.url, OPAMP_TOKEN: admin };

      const noPassphrase = await cli.run(uploadArgs(file, 'signed', '--sign', keyFile), { env });
      expect(noPassphrase.code).toBe(1);
      expect(noPassphrase.stderr).toContain('OPAMPCTL_SIGNING_PASSPHRASE');
      const wrong = await cli.run(uploadArgs(file, 'signed', '--sign', keyFile), {
        env: { ...env, OPAMPCTL_SIGNING_PASSPHRASE: 'wrong' },
      });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain('wrong passphrase');
      const notAKey = await cli.run(uploadArgs(file, 'signed', '--sign', file), { env });
      expect(notAKey.code).toBe(1);
      expect(notAKey.stderr).toContain('is not an armored OpenPGP private key');
      expect(await packagesNamed('signed')).toEqual([]);

      const signed = await cli.run(uploadArgs(file, 'signed', '--sign', keyFile), {
        env: { ...env, OPAMPCTL_SIGNING_PASSPHRASE: 'correct horse' },
      });
      expect(signed.stderr).toBe('');
      expect(signed.code).toBe(0);
      expect(JSON.parse(signed.stdout)).toEqual(
        expect.objectContaining({
          name: 'signed',
          has_signature: true,
          signature_status: 'valid',
          signer_fingerprint: fingerprint,
        }),
      );
    },
    CLI_TIMEOUT,
  );
});
