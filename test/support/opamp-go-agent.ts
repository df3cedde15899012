import http from 'node:http';
import zlib from 'node:zlib';
import WebSocket from 'ws';
import type { AgentToServerInput, ServerToAgent } from '../../src/opamp/proto/opamp.types.js';
import { AgentCapabilities } from '../../src/opamp/proto/opamp.types.js';
import { codec, description, newUid } from './opamp-agents.js';

type ConnectionSettings = NonNullable<ServerToAgent['connection_settings']>;
type Header = { key: string; value: string };

/** What opamp-go based agents (the Collector's opamp extension, the supervisor) announce. */
export const OPAMP_GO_CAPABILITIES =
  AgentCapabilities.ReportsStatus |
  AgentCapabilities.AcceptsRemoteConfig |
  AgentCapabilities.ReportsEffectiveConfig |
  AgentCapabilities.ReportsHealth |
  AgentCapabilities.ReportsRemoteConfig |
  AgentCapabilities.ReportsHeartbeat |
  AgentCapabilities.AcceptsOpAMPConnectionSettings;

export interface OpampGoAgentOptions {
  url: string;
  transport: 'websocket' | 'http';
  /** The agent's own Authorization header value, e.g. `Bearer <key>`. */
  authorization?: string;
  capabilities?: number;
  uid?: Uint8Array;
  name?: string;
  /** Persisted from an earlier run (opamp-go's StartSettings.LastConnectionSettingsHash). */
  lastConnectionSettingsHash?: Uint8Array;
  /** Until the server offers one; opamp-go defaults to 30 s. */
  heartbeatSeconds?: number;
}

/**
 * A test agent that does what opamp-go agents do with connection settings, so the server is
 * tested against their behaviour rather than our own clients':
 * - every `connection_settings.opamp` offer makes it disconnect and reconnect with the offered
 *   endpoint and headers (the offered headers REPLACE its own, Authorization included);
 * - it remembers the offer's hash and, with ReportsConnectionSettingsStatus, reports
 *   APPLYING before the reconnect and APPLIED (or FAILED, after falling back to the old settings)
 *   after it;
 * - over HTTP it POSTs gzip bodies with chunked transfer encoding (no Content-Length) and polls
 *   at the heartbeat interval.
 */
export class OpampGoAgent {
  readonly uid: Uint8Array;
  /** Every connection_settings the server sent, in order. */
  readonly offers: ConnectionSettings[] = [];
  readonly received: ServerToAgent[] = [];
  /** WebSocket connections opened (or HTTP "connections": polls with a new set of settings). */
  connections = 0;
  /** Upgrades or polls the server refused (status codes). */
  readonly refusals: number[] = [];
  lastConnectionSettingsHash?: Uint8Array;
  heartbeatSeconds: number;
  endpoint: string;
  headers: Header[];
  private sequence = 0;
  private ws?: WebSocket;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private settingsStatus?: AgentToServerInput['connection_settings_status'];
  private previous?: { endpoint: string; headers: Header[] };
  private busy: Promise<void> = Promise.resolve();

  constructor(private readonly options: OpampGoAgentOptions) {
    this.uid = options.uid ?? newUid();
    this.endpoint = options.url;
    this.headers = options.authorization ? [{ key: 'Authorization', value: options.authorization }] : [];
    this.heartbeatSeconds = options.heartbeatSeconds ?? 30;
    this.lastConnectionSettingsHash = options.lastConnectionSettingsHash;
    if (this.lastConnectionSettingsHash && this.reportsSettingsStatus) {
      this.settingsStatus = { last_connection_settings_hash: this.lastConnectionSettingsHash, status: 1 };
    }
  }

  get capabilities(): number {
    return this.options.capabilities ?? OPAMP_GO_CAPABILITIES;
  }

  private get reportsSettingsStatus(): boolean {
    return (this.capabilities & AgentCapabilities.ReportsConnectionSettingsStatus) !== 0;
  }

  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.busy.catch(() => undefined);
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      await new Promise<void>((resolve) => {
        this.ws!.once('close', () => resolve());
        this.ws!.close(1000);
      });
    }
  }

  private firstMessage(): AgentToServerInput {
    return {
      agent_description: description(this.options.name ?? 'otelcol-contrib'),
      capabilities: this.capabilities,
      effective_config: {
        config_map: { config_map: { '': { body: Buffer.from('receivers: {}\n'), content_type: '' } } },
      },
      remote_config_status: { status: 0 },
      ...(this.settingsStatus ? { connection_settings_status: this.settingsStatus } : {}),
    };
  }

  private message(body: Partial<AgentToServerInput>): AgentToServerInput {
    this.sequence += 1;
    return { instance_uid: this.uid, sequence_num: this.sequence, ...body };
  }

  private headerObject(): Record<string, string> {
    return Object.fromEntries(this.headers.map((h) => [h.key, h.value]));
  }

  private async connect(): Promise<void> {
    if (this.stopped) {
      return;
    }
    this.connections += 1;
    if (this.options.transport === 'http') {
      await this.poll(this.firstMessage());
      return;
    }
    const ws = new WebSocket(this.endpoint.replace(/^http/, 'ws'), { headers: this.headerObject() });
    this.ws = ws;
    const opened = await new Promise<boolean>((resolve) => {
      ws.once('open', () => resolve(true));
      ws.once('unexpected-response', (_request, response) => {
        this.refusals.push(response.statusCode ?? 0);
        resolve(false);
      });
      ws.once('error', () => resolve(false));
    });
    if (!opened) {
      await this.fallBack('connection with the offered settings failed');
      return;
    }
    ws.on('message', (data: Buffer) => {
      this.busy = this.busy.then(() => this.onMessage(codec.decodeServerToAgent(data.subarray(1))));
    });
    this.send(this.firstMessage());
    this.verified();
  }

  private send(body: Partial<AgentToServerInput>): void {
    if (this.options.transport === 'http') {
      // A failed request is retried at the next heartbeat, as opamp-go does.
      this.busy = this.busy
        .then(() => this.poll(body))
        .catch(() => {
          this.refusals.push(0);
          this.scheduleHeartbeat();
        });
      return;
    }
    if (this.ws?.readyState === WebSocket.OPEN) {
      this.ws.send(Buffer.concat([Buffer.of(0), codec.encodeAgentToServer(this.message(body))]));
      this.scheduleHeartbeat();
    }
  }

  private scheduleHeartbeat(): void {
    clearTimeout(this.timer);
    if (!this.stopped && this.heartbeatSeconds > 0) {
      this.timer = setTimeout(() => this.send({}), this.heartbeatSeconds * 1000);
    }
  }

  /** One HTTP request as opamp-go sends it: gzip, chunked, no Content-Length. */
  private async poll(body: Partial<AgentToServerInput>): Promise<void> {
    const gz = zlib.gzipSync(codec.encodeAgentToServer(this.message(body)));
    const url = new URL(this.endpoint);
    const { status, payload } = await new Promise<{ status: number; payload: Buffer }>((resolve, reject) => {
      const request = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'gzip', ...this.headerObject() },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, payload: Buffer.concat(chunks) }));
        },
      );
      request.on('error', reject);
      // Two writes without a length: Node sends Transfer-Encoding: chunked.
      const half = Math.floor(gz.length / 2);
      request.write(gz.subarray(0, half));
      request.end(gz.subarray(half));
    });
    if (status !== 200) {
      this.refusals.push(status);
      if (this.previous) {
        await this.fallBack(`poll with the offered settings answered ${status}`);
      }
      return;
    }
    this.verified();
    await this.onMessage(codec.decodeServerToAgent(payload));
    this.scheduleHeartbeat();
  }

  /** The new settings worked: forget the old ones and say so. */
  private verified(): void {
    if (this.previous && this.reportsSettingsStatus) {
      this.settingsStatus = { last_connection_settings_hash: this.lastConnectionSettingsHash, status: 1 };
      this.send({ connection_settings_status: this.settingsStatus });
    }
    this.previous = undefined;
  }

  /** The offered settings did not work: go back to the previous ones (opamp-go's supervisor does). */
  private async fallBack(reason: string): Promise<void> {
    if (!this.previous || this.stopped) {
      return;
    }
    ({ endpoint: this.endpoint, headers: this.headers } = this.previous);
    this.previous = undefined;
    if (this.reportsSettingsStatus) {
      this.settingsStatus = {
        last_connection_settings_hash: this.lastConnectionSettingsHash,
        status: 3,
        error_message: reason,
      };
    }
    await this.connect();
  }

  private async onMessage(message: ServerToAgent): Promise<void> {
    this.received.push(message);
    if (message.remote_config) {
      this.send({ remote_config_status: { last_remote_config_hash: message.remote_config.config_hash, status: 1 } });
    }
    const settings = message.connection_settings;
    if (!settings) {
      return;
    }
    this.offers.push(settings);
    if (settings.hash && settings.hash.length > 0) {
      this.lastConnectionSettingsHash = settings.hash;
    }
    const opamp = settings.opamp;
    if (!opamp) {
      return;
    }
    if ((this.capabilities & AgentCapabilities.ReportsHeartbeat) !== 0 && opamp.heartbeat_interval_seconds) {
      this.heartbeatSeconds = opamp.heartbeat_interval_seconds;
    }
    // opamp-go: every opamp offer is verified by reconnecting with it; offered headers replace ours.
    this.previous = { endpoint: this.endpoint, headers: this.headers };
    this.endpoint = opamp.destination_endpoint || this.endpoint;
    this.headers = opamp.headers?.headers?.map((h) => ({ key: h.key ?? '', value: h.value ?? '' })) ?? [];
    if (this.reportsSettingsStatus) {
      this.settingsStatus = { last_connection_settings_hash: this.lastConnectionSettingsHash, status: 2 };
    }
    clearTimeout(this.timer);
    if (this.options.transport === 'websocket') {
      const ws = this.ws!;
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(1000);
      });
    }
    await this.connect();
  }
}
