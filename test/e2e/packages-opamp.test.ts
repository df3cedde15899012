import crypto from 'node:crypto';
import request from 'supertest';
import {
  AgentCapabilities,
  PackageStatusEnum,
  PackageType,
  type AgentToServerInput,
} from '../../src/opamp/proto/opamp.types.js';
import { eventually } from '../support/eventually.js';
import { BASIC_CAPABILITIES, description, httpPoll, newUid, uidText } from '../support/opamp-agents.js';
import { SEED_FIELDS, upload } from '../support/packages.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PACKAGE_CAPABILITIES =
  BASIC_CAPABILITIES | AgentCapabilities.AcceptsPackages | AgentCapabilities.ReportsPackageStatuses;

describe('offering packages to agents over OpAMP (e2e)', () => {
  let app: TestApp;
  let admin: string;
  let operator: string;
  let key: string;
  const file = crypto.randomBytes(300_000);
  const signature = crypto.randomBytes(256);
  let packageId: number;

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_HEARTBEAT_SECONDS: '1' });
    admin = await app.login();
    operator = await app.tokenFor('operator');
    key = (
      await request(app.url)
        .post('/api/v1/agent-keys')
        .set('Authorization', `Bearer ${admin}`)
        .send({ name: 'package tests' })
        .expect(201)
    ).body.key;
    const created = await request(app.url)
      .post('/api/v1/packages')
      .set('Authorization', `Bearer ${operator}`)
      .attach('file', file, 'otelcol')
      .attach('signature', signature, 'otelcol.sig')
      .field({ ...SEED_FIELDS, name: 'otelcol', version: '1.4.0' })
      .expect(201);
    packageId = created.body.id as number;
    // An older version under the same name is outranked by 1.4.0 when both are assigned.
    const older = await upload(app.url, operator, Buffer.from('old'), {
      ...SEED_FIELDS,
      name: 'otelcol',
      version: '1.3.9',
    });
    await request(app.url)
      .post('/api/v1/package-assignments')
      .set('Authorization', `Bearer ${operator}`)
      .send({ package_id: older.body.id, selector: { 'deployment.environment': 'prod' } })
      .expect(201);
  });

  afterAll(async () => {
    await app.close();
  });

  const poll = (uid: Uint8Array, sequence: number, message: Partial<AgentToServerInput> = {}) =>
    httpPoll(
      app.opampUrl,
      { instance_uid: uid, sequence_num: sequence, capabilities: PACKAGE_CAPABILITIES, ...message },
      { key },
    );

  it('assigns by name and version, refusing bad targets', async () => {
    const auth = ['Authorization', `Bearer ${operator}`] as const;
    await request(app.url)
      .post('/api/v1/package-assignments')
      .set(...auth)
      .send({ name: 'otelcol', version: '1.4.0' })
      .expect(400);
    await request(app.url)
      .post('/api/v1/package-assignments')
      .set(...auth)
      .send({ name: 'otelcol', version: '9.9.9', selector: { a: 'b' } })
      .expect(404);
    const viewer = await app.tokenFor('viewer');
    await request(app.url)
      .post('/api/v1/package-assignments')
      .set('Authorization', `Bearer ${viewer}`)
      .send({ package_id: packageId, selector: { a: 'b' } })
      .expect(403);
    const created = await request(app.url)
      .post('/api/v1/package-assignments')
      .set(...auth)
      .send({ name: 'OTELCOL', version: '1.4.0', selector: { 'deployment.environment': 'prod' } })
      .expect(201);
    expect(created.body).toEqual(
      expect.objectContaining({
        package_id: packageId,
        package_version: '1.4.0',
        selector: { 'deployment.environment': 'prod' },
      }),
    );
    const list = await request(app.url).get('/api/v1/package-assignments').set('Authorization', `Bearer ${viewer}`);
    expect(list.body).toHaveLength(2);
  });

  it('offers the newest assigned package, which the agent downloads and reports installed', async () => {
    const uid = newUid();
    const first = await poll(uid, 1, {
      agent_description: description('collector-a', { 'deployment.environment': 'prod' }),
    });
    expect(first.status).toBe(200);
    const offer = first.message?.packages_available;
    expect(offer).toBeDefined();
    expect(Object.keys(offer!.packages!)).toEqual(['otelcol']);
    const available = offer!.packages!.otelcol;
    const offered = available.file!;
    // TopLevel is 0, the proto3 default, so it is absent on the wire; Addon (1) would be present.
    expect([undefined, PackageType.TopLevel]).toContain(available.type);
    expect(available.version).toBe('1.4.0');
    expect(Buffer.from(offered.content_hash!).toString('hex')).toBe(
      crypto.createHash('sha256').update(file).digest('hex'),
    );
    expect(Buffer.from(offered.signature ?? []).equals(signature)).toBe(true);
    expect(available.hash).toHaveLength(32);
    expect(offer!.all_packages_hash).toHaveLength(32);

    // The signed URL is on the OpAMP port and needs no key; Range works there too.
    const url = offered.download_url!;
    expect(url.startsWith(app.opampUrl.replace(/\/v1\/opamp$/, '/v1/packages/'))).toBe(true);
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(file)).toBe(true);
    const part = await fetch(url, { headers: { Range: 'bytes=1000-1999' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(file.subarray(1000, 2000))).toBe(true);
    // The enrollment key works without a signature; a tampered signature or nothing does not.
    const bare = url.split('?')[0];
    const withKey = await fetch(bare, { headers: { Authorization: `Bearer ${key}` } });
    expect(withKey.status).toBe(200);
    expect(Buffer.from(await withKey.arrayBuffer()).equals(file)).toBe(true);
    expect((await fetch(bare)).status).toBe(401);
    expect((await fetch(`${url.slice(0, -4)}AAAA`)).status).toBe(401);
    expect((await fetch(bare, { headers: { Authorization: 'Bearer opk_wrong' } })).status).toBe(401);

    // Until the agent reports, a heartbeat on the same connection does not repeat the offer.
    const heartbeat = await poll(uid, 2);
    expect(heartbeat.message?.packages_available).toBeUndefined();

    const report = await poll(uid, 3, {
      package_statuses: {
        packages: {
          otelcol: {
            name: 'otelcol',
            agent_has_version: '1.4.0',
            agent_has_hash: available.hash,
            server_offered_version: '1.4.0',
            server_offered_hash: available.hash,
            status: PackageStatusEnum.Installed,
          },
        },
        server_provided_all_packages_hash: offer!.all_packages_hash,
      },
    });
    expect(report.status).toBe(200);
    expect(report.message?.packages_available).toBeUndefined();

    const statuses = await eventually(async () => {
      const response = await request(app.url)
        .get(`/api/v1/packages/${packageId}/agents`)
        .set('Authorization', `Bearer ${admin}`)
        .expect(200);
      return (response.body as unknown[]).length > 0 ? response.body : undefined;
    });
    expect(statuses).toEqual([
      expect.objectContaining({
        instance_uid: uidText(uid),
        package_name: 'otelcol',
        status: 'installed',
        agent_has_version: '1.4.0',
      }),
    ]);
    const ofAgent = await request(app.url)
      .get(`/api/v1/agents/${uidText(uid)}/packages`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(ofAgent.body).toEqual(statuses);
    const detail = await request(app.url)
      .get(`/api/v1/agents/${uidText(uid)}`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    // The detail also says whether the version the agent has was verified (this one's signature is random bytes).
    expect(detail.body.package_statuses).toEqual(
      (statuses as object[]).map((s) => ({
        ...s,
        installed_signature_status: 'invalid',
        installed_signer_fingerprint: null,
      })),
    );
    // Counted as a download (two complete ones: signed URL and key).
    const stats = await request(app.url).get(`/api/v1/packages/${packageId}`).set('Authorization', `Bearer ${admin}`);
    expect(stats.body.download_count).toBeGreaterThanOrEqual(2);
  });

  it('records downloading progress and failures', async () => {
    const uid = newUid();
    const first = await poll(uid, 1, {
      agent_description: description('collector-b', { 'deployment.environment': 'prod' }),
    });
    const offer = first.message!.packages_available!;
    await poll(uid, 2, {
      package_statuses: {
        packages: {
          otelcol: {
            name: 'otelcol',
            status: PackageStatusEnum.Downloading,
            download_details: { download_percent: 42.5 },
          },
        },
        server_provided_all_packages_hash: offer.all_packages_hash,
      },
    });
    const downloading = await request(app.url)
      .get(`/api/v1/agents/${uidText(uid)}/packages`)
      .set('Authorization', `Bearer ${admin}`);
    expect(downloading.body).toEqual([expect.objectContaining({ status: 'downloading', download_percent: 42.5 })]);
    await poll(uid, 3, {
      package_statuses: {
        packages: { otelcol: { name: 'otelcol', status: PackageStatusEnum.InstallFailed, error_message: 'disk full' } },
        server_provided_all_packages_hash: offer.all_packages_hash,
      },
    });
    const failed = await request(app.url)
      .get(`/api/v1/agents/${uidText(uid)}/packages`)
      .set('Authorization', `Bearer ${admin}`);
    expect(failed.body).toEqual([expect.objectContaining({ status: 'install_failed', error_message: 'disk full' })]);
  });

  it('offers nothing to agents that do not match or do not accept packages, and targets ids', async () => {
    const staging = await poll(newUid(), 1, {
      agent_description: description('collector-c', { 'deployment.environment': 'staging' }),
    });
    expect(staging.status).toBe(200);
    expect(staging.message?.packages_available).toBeUndefined();
    const noCapability = await httpPoll(
      app.opampUrl,
      {
        instance_uid: newUid(),
        sequence_num: 1,
        capabilities: BASIC_CAPABILITIES,
        agent_description: description('collector-d', { 'deployment.environment': 'prod' }),
      },
      { key },
    );
    expect(noCapability.message?.packages_available).toBeUndefined();

    const target = newUid();
    const assignment = await request(app.url)
      .post('/api/v1/package-assignments')
      .set('Authorization', `Bearer ${operator}`)
      .send({ package_id: packageId, agent_ids: [uidText(target)] })
      .expect(201);
    const byId = await poll(target, 1, { agent_description: description('collector-e') });
    expect(byId.message?.packages_available?.packages?.otelcol.version).toBe('1.4.0');
    await request(app.url)
      .delete(`/api/v1/package-assignments/${assignment.body.id}`)
      .set('Authorization', `Bearer ${operator}`)
      .expect(204);
    await request(app.url)
      .delete(`/api/v1/package-assignments/${assignment.body.id}`)
      .set('Authorization', `Bearer ${operator}`)
      .expect(404);
    const after = await poll(target, 2, {
      package_statuses: { packages: {}, server_provided_all_packages_hash: new Uint8Array() },
    });
    expect(after.message?.packages_available).toBeUndefined();
  });
});
