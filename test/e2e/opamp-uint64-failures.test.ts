import pg from 'pg';
import request from 'supertest';
import {
  AgentCapabilities,
  AgentToServerFlags,
  ServerErrorResponseType,
  ServerToAgentFlags,
} from '../../src/opamp/proto/opamp.types.js';
import { eventually } from '../support/eventually.js';
import {
  BASIC_CAPABILITIES,
  codec,
  description,
  httpPoll,
  newUid,
  uidText,
  WsTestAgent,
} from '../support/opamp-agents.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const MAX = (1n << 64n) - 1n;
const HALF = 1n << 63n;

/**
 * Every valid message is accepted: uint64 fields at their extremes, odd but valid values, and the
 * server's own failures (a database error inside a handler) told apart from "server busy".
 */
describe('OpAMP uint64 fields and handler failures (e2e, real sockets, real PostgreSQL)', () => {
  let app: TestApp;
  let admin: string;
  let db: pg.Client;

  const agentDetail = async (uid: Uint8Array) =>
    (
      await request(app.url)
        .get(`/api/v1/agents/${uidText(uid)}`)
        .set('Authorization', `Bearer ${admin}`)
    ).body as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const metric = async (pattern: RegExp): Promise<number> => {
    const text = (await request(app.url).get('/metrics').expect(200)).text;
    const match = pattern.exec(text);
    return match ? Number(match[1]) : 0;
  };

  beforeAll(async () => {
    app = await startTestApp({ OPAMP_ALLOW_ANONYMOUS: 'true', OPAMP_HEARTBEAT_SECONDS: '1' });
    admin = await app.login();
    db = new pg.Client({ connectionString: app.databaseUrl });
    await db.connect();
    // A real database error inside the inventory handler, for chosen agents only: a trigger that
    // raises the SQLSTATE the test names.
    await db.query(`CREATE TABLE test_failing_agents (instance_uid uuid PRIMARY KEY, sqlstate text NOT NULL)`);
    await db.query(`
      CREATE FUNCTION test_fail_agent_write() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE code text;
      BEGIN
        SELECT sqlstate INTO code FROM test_failing_agents WHERE instance_uid = NEW.instance_uid;
        IF code IS NOT NULL THEN
          RAISE EXCEPTION 'refused by the test trigger' USING ERRCODE = code;
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(
      `CREATE TRIGGER test_fail_agent_write BEFORE INSERT OR UPDATE ON agents
       FOR EACH ROW EXECUTE FUNCTION test_fail_agent_write()`,
    );
  });

  afterAll(async () => {
    await db.end();
    await app.close();
  });

  it('accepts sequence_num 2^63 and 2^64-1 over WebSocket, stores them exactly and follows 2^64-1 with 0', async () => {
    const agent = await WsTestAgent.connect(app.opampUrl);
    const first = await agent.exchange({ sequence_num: HALF, agent_description: description('seq-ws') });
    expect(first.error_response).toBeUndefined();
    expect(first.capabilities).toBeDefined();
    const next = await agent.exchange({ sequence_num: HALF + 1n });
    expect(next.error_response).toBeUndefined();
    expect((next.flags ?? 0) & ServerToAgentFlags.ReportFullState).toBe(0);
    await eventually(async () => (await agentDetail(agent.uid)).sequence_num === (HALF + 1n).toString());

    const atMax = await agent.exchange({ sequence_num: MAX });
    expect(atMax.error_response).toBeUndefined();
    expect((atMax.flags ?? 0) & ServerToAgentFlags.ReportFullState).toBe(ServerToAgentFlags.ReportFullState); // a gap
    await eventually(async () => (await agentDetail(agent.uid)).sequence_num === '18446744073709551615');
    const wrapped = await agent.exchange({ sequence_num: 0 });
    expect(wrapped.error_response).toBeUndefined();
    expect((wrapped.flags ?? 0) & ServerToAgentFlags.ReportFullState).toBe(0); // uint64 wraps: no gap
    const after = await agent.exchange({ sequence_num: 1 });
    expect((after.flags ?? 0) & ServerToAgentFlags.ReportFullState).toBe(0);
    const gap = await agent.exchange({ sequence_num: 5 });
    expect((gap.flags ?? 0) & ServerToAgentFlags.ReportFullState).toBe(ServerToAgentFlags.ReportFullState);
    expect((await agentDetail(agent.uid)).status).toBe('online');
    agent.close();
  });

  it('accepts sequence_num 2^64-1 over HTTP and keeps polling', async () => {
    const uid = newUid();
    const base = { instance_uid: uid, capabilities: BASIC_CAPABILITIES };
    const first = await httpPoll(app.opampUrl, {
      ...base,
      sequence_num: MAX,
      agent_description: description('seq-http'),
    });
    expect(first.status).toBe(200);
    expect(first.message?.error_response).toBeUndefined();
    const second = await httpPoll(app.opampUrl, { ...base, sequence_num: 0 });
    expect(second.status).toBe(200);
    expect((second.message?.flags ?? 0) & ServerToAgentFlags.ReportFullState).toBe(0);
    await eventually(async () => (await agentDetail(uid)).sequence_num === '0');
  });

  it('keeps capabilities with high bits exact and still sees the defined ones', async () => {
    const mask = HALF | (1n << 40n) | BigInt(BASIC_CAPABILITIES);
    const agent = await WsTestAgent.connect(app.opampUrl);
    const reply = await agent.exchange({ capabilities: mask, agent_description: description('caps-high') });
    expect(reply.error_response).toBeUndefined();
    const detail = await eventually(async () => {
      const body = await agentDetail(agent.uid);
      return body.capabilities?.mask === mask.toString() && body;
    });
    expect(detail.capabilities.names).toEqual(expect.arrayContaining(['ReportsStatus', 'AcceptsRemoteConfig']));
    // Every bit set (2^64-1): as a JS number that was 2^64, whose low 32 bits are all zero.
    const all = await agent.exchange({ capabilities: MAX });
    expect(all.error_response).toBeUndefined();
    await eventually(async () => (await agentDetail(agent.uid)).capabilities?.mask === MAX.toString());
    const names = (await agentDetail(agent.uid)).capabilities.names as string[];
    expect(names).toContain('AcceptsRestartCommand');
    expect(names).toContain('ReportsConnectionSettingsStatus');
    agent.close();
  });

  it('honours RequestInstanceUid in flags of 2^64-1', async () => {
    const agent = await WsTestAgent.connect(app.opampUrl);
    const reply = await agent.exchange({ flags: MAX });
    expect(Number(MAX & BigInt(AgentToServerFlags.RequestInstanceUid))).toBe(1);
    expect(reply.agent_identification?.new_instance_uid).toHaveLength(16);
    agent.close();
  });

  it('stores health timestamps of 2^64-1 exactly and accepts odd but valid values', async () => {
    const agent = await WsTestAgent.connect(app.opampUrl);
    const reply = await agent.exchange({
      agent_description: {
        identifying_attributes: [
          { key: 'service.name', value: { string_value: 'odd-values' } },
          { key: 'big.int', value: { int_value: -(1n << 63n) } },
        ],
      },
      health: {
        healthy: true,
        start_time_unix_nano: MAX,
        status_time_unix_nano: 1764600000123456789n,
        component_health_map: { 'receiver/otlp': { healthy: true, start_time_unix_nano: HALF } },
      },
      remote_config_status: { status: 99, last_remote_config_hash: Buffer.alloc(32, 7) },
      package_statuses: {
        packages: {
          odd: {
            name: 'odd',
            agent_has_version: 'v'.repeat(500),
            status: 99,
            download_details: { download_percent: Number.NaN, download_bytes_per_second: Infinity },
          },
        },
      },
    });
    expect(reply.error_response).toBeUndefined();
    const detail = await eventually(async () => {
      const body = await agentDetail(agent.uid);
      return body.health && body;
    });
    expect(detail.health.start_time_unix_nano).toBe('18446744073709551615');
    expect(detail.health.status_time_unix_nano).toBe('1764600000123456789');
    expect(detail.health.component_health_map['receiver/otlp'].start_time_unix_nano).toBe(HALF.toString());
    expect(detail.identifying_attributes['big.int']).toBe('-9223372036854775808');
    agent.close();
  });

  it('answers garbage with BadRequest over WebSocket and 400 over HTTP, and keeps serving', async () => {
    const agent = await WsTestAgent.connect(app.opampUrl);
    agent.sendRaw(Buffer.from([0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    const reply = await agent.message(1);
    expect(reply.error_response?.type).toBe(ServerErrorResponseType.BadRequest);
    const ok = await agent.exchange({ agent_description: description('after-garbage') });
    expect(ok.error_response).toBeUndefined();
    agent.close();
    const http = await httpPoll(app.opampUrl, {}, { body: Buffer.from('definitely not protobuf') });
    expect(http.status).toBe(400);
    expect(http.message?.error_response?.type).toBe(ServerErrorResponseType.BadRequest);
  });

  it('answers a deterministic database error with an error the agent does not retry, counts it, and recovers', async () => {
    const internal = /opamp_handler_failures_total\{transport="websocket",kind="internal"\} (\d+)/;
    const before = await metric(internal);
    const failing = await WsTestAgent.connect(app.opampUrl);
    const bystander = await WsTestAgent.connect(app.opampUrl);
    await db.query(`INSERT INTO test_failing_agents VALUES ($1, 'P0001')`, [uidText(failing.uid)]);
    // Both first writes travel in one batch: only the refused row fails.
    const [refused, served] = await Promise.all([
      failing.exchange({ agent_description: description('db-refused') }),
      bystander.exchange({ agent_description: description('db-bystander') }),
    ]);
    expect(refused.error_response).toBeDefined();
    expect(refused.error_response?.type ?? ServerErrorResponseType.Unknown).toBe(ServerErrorResponseType.Unknown);
    expect(refused.error_response?.retry_info).toBeUndefined();
    expect(refused.error_response?.error_message).not.toMatch(/busy/);
    expect(served.error_response).toBeUndefined();
    expect(await metric(internal)).toBe(before + 1);

    // Once the database accepts the row, the next message is handled as a first one: the agent
    // is stored and gets the server's capabilities; nothing is left half-known.
    await db.query(`DELETE FROM test_failing_agents`);
    const recovered = await failing.exchange({});
    expect(recovered.error_response).toBeUndefined();
    expect(recovered.capabilities).toBeDefined();
    expect((recovered.flags ?? 0) & ServerToAgentFlags.ReportFullState).toBe(ServerToAgentFlags.ReportFullState);
    await eventually(async () => (await agentDetail(failing.uid)).status === 'online');
    failing.close();
    bystander.close();
  });

  it('answers a retryable database error with UNAVAILABLE and retry_info (503 + Retry-After over HTTP)', async () => {
    const retryable = /opamp_handler_failures_total\{transport="http",kind="retryable"\} (\d+)/;
    const before = await metric(retryable);
    const uid = newUid();
    await db.query(`INSERT INTO test_failing_agents VALUES ($1, '40001')`, [uidText(uid)]);
    const message = { instance_uid: uid, sequence_num: 1, capabilities: BASIC_CAPABILITIES };
    const busy = await httpPoll(app.opampUrl, { ...message, agent_description: description('db-conflict') });
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('5');
    expect(busy.message?.error_response?.type).toBe(ServerErrorResponseType.Unavailable);
    expect(busy.message?.error_response?.retry_info?.retry_after_nanoseconds).toBe(5e9);
    expect(await metric(retryable)).toBe(before + 1);
    await db.query(`DELETE FROM test_failing_agents`);
    const retried = await httpPoll(app.opampUrl, { ...message, sequence_num: 2 });
    expect(retried.status).toBe(200);
    expect(retried.message?.error_response).toBeUndefined();
    await eventually(async () => (await agentDetail(uid)).status === 'online');
  });

  it('accepts a uint64 capability mask through the codec the real clients use on the wire', () => {
    // field 4 (capabilities) varint of 2^64-1: ten bytes, the last 0x01.
    const bytes = Uint8Array.of(0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
    expect(codec.decodeAgentToServer(bytes).capabilities).toBe(MAX);
    expect(AgentCapabilities.ReportsStatus).toBe(1);
  });
});
