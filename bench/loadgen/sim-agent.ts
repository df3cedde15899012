import crypto from 'node:crypto';
import {
  AgentCapabilities,
  RemoteConfigStatuses,
  ServerToAgentFlags,
  type AgentDescription,
  type AgentToServerInput,
  type KeyValue,
  type RemoteConfigStatus,
  type ServerToAgent,
} from '../../src/opamp/proto/opamp.types.js';
import { pushSample, type Counters, type Samples } from './stats.js';

export const SIM_AGENT_CAPABILITIES =
  AgentCapabilities.ReportsStatus |
  AgentCapabilities.AcceptsRemoteConfig |
  AgentCapabilities.ReportsEffectiveConfig |
  AgentCapabilities.ReportsHealth |
  AgentCapabilities.ReportsRemoteConfig |
  AgentCapabilities.ReportsHeartbeat;

/** What every simulated agent of one worker shares. */
export interface AgentEnv {
  counters: Counters;
  samples: Samples;
  seen: { apply: { n: number }; appliedAt: { n: number } };
  applyDelayMs: [number, number];
}

/** A UUIDv7 (time-ordered), as the spec recommends for instance_uid. */
export function newInstanceUid(): Uint8Array {
  const bytes = crypto.randomBytes(16);
  bytes.writeUIntBE(Date.now(), 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return bytes;
}

const str = (key: string, value: string): KeyValue => ({ key, value: { string_value: value } });

// About 1 KB, the size of a small collector pipeline, so full-state messages weigh what real ones do.
const EFFECTIVE_CONFIG = Buffer.from(
  [
    'receivers:',
    '  otlp:',
    '    protocols:',
    '      grpc: { endpoint: 0.0.0.0:4317 }',
    '      http: { endpoint: 0.0.0.0:4318 }',
    '  hostmetrics:',
    '    collection_interval: 30s',
    '    scrapers: { cpu: {}, memory: {}, disk: {}, filesystem: {}, network: {}, load: {} }',
    'processors:',
    '  memory_limiter: { check_interval: 1s, limit_percentage: 80, spike_limit_percentage: 20 }',
    '  batch: { send_batch_size: 8192, timeout: 5s }',
    '  resourcedetection: { detectors: [env, system], timeout: 2s, override: false }',
    '  attributes/env: { actions: [{ key: deployment.environment, value: production, action: upsert }] }',
    'exporters:',
    '  otlphttp: { endpoint: https://otel-gateway.example.internal:4318, compression: gzip }',
    '  debug: { verbosity: basic, sampling_initial: 5, sampling_thereafter: 200 }',
    'extensions:',
    '  health_check: { endpoint: 0.0.0.0:13133 }',
    '  pprof: { endpoint: 127.0.0.1:1777 }',
    'service:',
    '  extensions: [health_check, pprof]',
    '  pipelines:',
    '    metrics: { receivers: [otlp, hostmetrics], processors: [memory_limiter, resourcedetection, batch], exporters: [otlphttp] }',
    '    traces: { receivers: [otlp], processors: [memory_limiter, attributes/env, batch], exporters: [otlphttp] }',
    '    logs: { receivers: [otlp], processors: [memory_limiter, attributes/env, batch], exporters: [otlphttp, debug] }',
    '  telemetry: { logs: { level: info }, metrics: { level: normal, address: 0.0.0.0:8888 } }',
    '',
  ].join('\n'),
);

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && Buffer.from(a).equals(Buffer.from(b));
}

/**
 * The protocol state of one simulated agent, independent of the transport: what to send next
 * (status compression, ReportFullState) and how to react to a ServerToAgent (new uid, remote
 * config APPLYING then APPLIED). `wantsToSend` is called when it has news to report now.
 */
export class SimAgent {
  uid = newInstanceUid();
  private seq = 0;
  private fullStatePending = true;
  private statusPending = false;
  private remoteStatus: RemoteConfigStatus = {};
  private applyingHash?: Uint8Array;
  private effectiveConfig: Uint8Array = EFFECTIVE_CONFIG;
  private applyTimer?: NodeJS.Timeout;
  wantsToSend: () => void = () => undefined;

  constructor(
    private readonly index: number,
    private readonly env: AgentEnv,
  ) {}

  /** A new connection (or a failed HTTP exchange) starts from the full state again. */
  resetSession(): void {
    this.fullStatePending = true;
  }

  nextMessage(): AgentToServerInput {
    this.seq++;
    const message: AgentToServerInput = {
      instance_uid: this.uid,
      sequence_num: this.seq,
      capabilities: SIM_AGENT_CAPABILITIES,
    };
    if (this.fullStatePending) {
      this.fullStatePending = false;
      this.statusPending = false;
      message.agent_description = this.description();
      message.health = { healthy: true, status: 'StatusOK', start_time_unix_nano: Date.now() * 1e6 };
      message.effective_config = { config_map: { config_map: { '': { body: this.effectiveConfig } } } };
      message.remote_config_status = this.remoteStatus;
    } else if (this.statusPending) {
      this.statusPending = false;
      message.remote_config_status = this.remoteStatus;
      message.effective_config = { config_map: { config_map: { '': { body: this.effectiveConfig } } } };
    }
    return message;
  }

  onServerMessage(message: ServerToAgent): void {
    const newUid = message.agent_identification?.new_instance_uid;
    if (newUid && newUid.length === 16) {
      this.uid = newUid;
      this.env.counters.uidChanges++;
    }
    if ((message.flags ?? 0) & ServerToAgentFlags.ReportFullState) {
      this.env.counters.fullStateRequests++;
      this.fullStatePending = true;
      this.wantsToSend();
    }
    const offer = message.remote_config;
    if (offer?.config_hash?.length && !sameBytes(offer.config_hash, this.remoteStatus.last_remote_config_hash)) {
      if (!sameBytes(offer.config_hash, this.applyingHash)) {
        this.apply(offer.config_hash, offer.config?.config_map ?? {});
      }
    }
  }

  stop(): void {
    clearTimeout(this.applyTimer);
  }

  private apply(hash: Uint8Array, files: Record<string, { body?: Uint8Array }>): void {
    const receivedAt = performance.now();
    this.env.counters.offers++;
    this.applyingHash = hash;
    this.report({ last_remote_config_hash: hash, status: RemoteConfigStatuses.APPLYING });
    const [min, max] = this.env.applyDelayMs;
    clearTimeout(this.applyTimer);
    this.applyTimer = setTimeout(
      () => {
        const body = Object.values(files)[0]?.body;
        this.effectiveConfig = body && body.length > 0 ? body : this.effectiveConfig;
        this.applyingHash = undefined;
        this.report({ last_remote_config_hash: hash, status: RemoteConfigStatuses.APPLIED });
        this.env.counters.applied++;
        pushSample(this.env.samples.applyMs, performance.now() - receivedAt, this.env.seen.apply);
        pushSample(this.env.samples.appliedAtEpochMs, Date.now(), this.env.seen.appliedAt);
      },
      min + Math.random() * (max - min),
    );
  }

  private report(status: RemoteConfigStatus): void {
    this.remoteStatus = status;
    this.statusPending = true;
    this.wantsToSend();
  }

  private description(): AgentDescription {
    const n = this.index;
    return {
      identifying_attributes: [
        str('service.name', 'otelcol-contrib'),
        str('service.version', '0.139.0'),
        str('service.instance.id', Buffer.from(this.uid).toString('hex')),
      ],
      non_identifying_attributes: [
        str('host.name', `bench-host-${n}`),
        str('os.type', 'linux'),
        str('host.arch', 'amd64'),
        str('deployment.environment', n % 3 === 0 ? 'staging' : 'production'),
        str('team', `team-${n % 7}`),
        str('region', `region-${n % 4}`),
      ],
    };
  }
}
