import path from 'node:path';
import { localHost } from '../common/listen-address.js';
import { parseDurationSeconds } from './duration.js';

export type StorageDriver = 'filesystem' | 's3';
export type SignaturePolicy = 'off' | 'warn' | 'require';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface S3Settings {
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
}

/**
 * The whole runtime configuration, validated once at boot from the environment.
 * Nothing else in the code base reads `process.env`.
 */
export class AppConfig {
  httpHost: string;
  httpPort: number;
  /** OPAMP_PORT; 0 (any free port) is replaced by the bound port once the OpAMP server listens. */
  opampPort: number;
  databaseUrl?: string;
  dataDir: string;
  embeddedPgPort: number;
  /** Restarts of the embedded PostgreSQL tried after it dies, before the server exits non-zero. */
  embeddedPgMaxRestarts: number;
  storageDriver: StorageDriver;
  s3: S3Settings;
  jwtSecret?: string;
  jwtExpiresInSeconds: number;
  jwtIssuer: string;
  jwtAudience: string;
  adminUsername: string;
  adminPassword?: string;
  /** Apply ADMIN_PASSWORD to an admin that exists already (it is otherwise only used on first start). */
  adminPasswordReset: boolean;
  logLevel: LogLevel;
  corsOrigins: string[];
  /** Express `trust proxy`: whose X-Forwarded-For to believe (login rate limits key on the client IP). */
  trustProxy: string;
  loginMaxAttempts: number;
  loginWindowSeconds: number;
  instanceId?: string;
  instanceHeartbeatSeconds: number;
  opampMaxMessageBytes: number;
  opampHeartbeatSeconds: number;
  opampAllowAnonymous: boolean;
  opampMaxConnections: number;
  opampMaxHandshakesPerSecond: number;
  opampMaxLoopLagMs: number;
  /** Refuse new handshakes while an admitted agent's first message has waited longer than this (0: never). */
  opampMaxFirstAnswerWaitMs: number;
  /**
   * While this many connections wait to be read (in the OpAMP port's accept queue, read on Linux,
   * or accepted and not read yet; 0: never), admit a new handshake only while fewer than twice as
   * many admitted agents await their first answer, and refuse the rest. Node's queue holds 511.
   */
  opampMaxAcceptQueue: number;
  opampPublicUrl?: string;
  packageMaxBytes: number;
  /** off: store signatures unchecked; warn: check and record; require: refuse what is not validly signed. */
  packageSignaturePolicy: SignaturePolicy;
  /** Hours after which an unfinished resumable upload is removed. */
  uploadExpiryHours: number;
  configMaxBytes: number;
  applyTimeoutSeconds: number;
  shutdownTimeoutSeconds: number;
  /** Key words added to the built-in list of secret keys (effective-config redaction). */
  redactKeys: string[];
  /** Regular expressions whose matches in any config value are redacted. */
  redactValuePatterns: string[];
  /** Custom messages kept per agent, and the largest payload stored of each. */
  customMessagesKept: number;
  customMessageMaxBytes: number;
  /** Bytes a WebSocket agent may leave unread before it is dropped as a slow consumer. */
  opampMaxSendBufferBytes: number;
  /** Milliseconds one message to an agent may take to reach its socket before the agent is dropped. */
  opampSendTimeoutMs: number;
  /** /health reports `degraded` under this much free space; undefined: 1 GiB or 5% of the volume, whichever is less. */
  storageMinFreeBytes?: number;
  /** The storage reconciler (see StorageReconciler): how often, and the ages past which leftovers go. */
  reconcileIntervalSeconds: number;
  reconcileTempMaxAgeSeconds: number;
  reconcileMultipartMaxAgeSeconds: number;
  reconcileOrphanGraceSeconds: number;
  /** Audit records older than this many days are deleted. */
  auditRetentionDays: number;
  /** Webhook deliveries: per-attempt timeout, retry backoff (first delay, cap), attempts before giving up, concurrency. */
  webhookTimeoutMs: number;
  webhookRetryBaseMs: number;
  webhookRetryMaxMs: number;
  webhookMaxAttempts: number;
  webhookConcurrency: number;
  webhookPollMs: number;
  /** A `fleet.agents_offline` event fires when this many agents went offline within the window. */
  fleetOfflineThreshold: number;
  fleetOfflineWindowMinutes: number;
  /** A WebSocket events subscriber with more than this many bytes unsent is closed (4408). */
  eventsWsMaxBufferedBytes: number;

  get blobDir(): string {
    return path.join(this.dataDir, 'blobs');
  }

  get postgresDir(): string {
    return path.join(this.dataDir, 'postgres');
  }

  /** This instance's own OpAMP endpoint (reachable here; OPAMP_PUBLIC_URL is what agents elsewhere are told). */
  get opampUrl(): string {
    return `http://${localHost(this.httpHost)}:${this.opampPort}/v1/opamp`;
  }
}

/** Thrown at boot with every invalid variable listed, so one start reveals all mistakes. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

type Env = Record<string, string | undefined>;

class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  string(name: string, fallback: string): string {
    const value = this.optional(name);
    return value ?? fallback;
  }

  optional(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) {
      return fallback;
    }
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      this.problems.push(`${name}: must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) {
      return fallback;
    }
    const value = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || value < min || value > max) {
      this.problems.push(`${name}: must be a number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.optional(name)?.toLowerCase();
    if (raw === undefined) {
      return fallback;
    }
    if (['true', '1', 'yes'].includes(raw)) {
      return true;
    }
    if (['false', '0', 'no'].includes(raw)) {
      return false;
    }
    this.problems.push(`${name}: must be true or false, got "${raw}"`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.optional(name);
    if (raw === undefined) {
      return fallback;
    }
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${name}: must be one of ${allowed.join(', ')}, got "${raw}"`);
      return fallback;
    }
    return raw as T;
  }

  duration(name: string, fallback: number): number {
    const raw = this.optional(name);
    if (raw === undefined) {
      return fallback;
    }
    const seconds = parseDurationSeconds(raw);
    if (seconds === undefined) {
      this.problems.push(`${name}: must be a duration such as 3600, 15m, 12h or 7d, got "${raw}"`);
      return fallback;
    }
    return seconds;
  }

  url(name: string, protocols: string[]): string | undefined {
    const raw = this.optional(name);
    if (raw === undefined) {
      return undefined;
    }
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        this.problems.push(`${name}: must use ${protocols.join(' or ')}`);
      }
    } catch {
      this.problems.push(`${name}: is not a valid URL`);
    }
    return raw;
  }
}

const MIB = 1024 * 1024;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Reads and validates the environment; throws ConfigValidationError listing every bad variable. */
export function loadConfig(env: Env): AppConfig {
  const r = new EnvReader(env);
  const c = new AppConfig();
  c.httpHost = r.string('HTTP_HOST', '0.0.0.0');
  c.httpPort = r.int('HTTP_PORT', 8080, 0, 65535);
  c.opampPort = r.int('OPAMP_PORT', 4320, 0, 65535);
  c.databaseUrl = r.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  c.dataDir = path.resolve(r.string('DATA_DIR', './data'));
  c.embeddedPgPort = r.int('EMBEDDED_PG_PORT', 0, 0, 65535);
  c.embeddedPgMaxRestarts = r.int('EMBEDDED_PG_MAX_RESTARTS', 5, 0, 100);
  c.storageDriver = r.oneOf('STORAGE_DRIVER', ['filesystem', 's3'] as const, 'filesystem');
  c.s3 = {
    endpoint: r.url('S3_ENDPOINT', ['http:', 'https:']),
    region: r.string('S3_REGION', 'us-east-1'),
    bucket: r.string('S3_BUCKET', 'agent-packages'),
    accessKeyId: r.optional('S3_ACCESS_KEY_ID'),
    secretAccessKey: r.optional('S3_SECRET_ACCESS_KEY'),
    forcePathStyle: r.bool('S3_FORCE_PATH_STYLE', true),
  };
  if (c.storageDriver === 's3' && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(c.s3.bucket)) {
    r.problems.push(`S3_BUCKET: "${c.s3.bucket}" is not a valid bucket name (3-63 lowercase letters, digits, . or -)`);
  }
  if (c.storageDriver === 's3' && Boolean(c.s3.accessKeyId) !== Boolean(c.s3.secretAccessKey)) {
    r.problems.push('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: set both or neither');
  }
  c.jwtSecret = r.optional('JWT_SECRET');
  if (c.jwtSecret !== undefined && c.jwtSecret.length < 32) {
    r.problems.push('JWT_SECRET: must be at least 32 characters (or unset to generate one in DATA_DIR)');
  }
  c.jwtExpiresInSeconds = r.duration('JWT_EXPIRES_IN', 12 * 3600);
  c.jwtIssuer = r.string('JWT_ISSUER', 'opamp-platform');
  c.jwtAudience = r.string('JWT_AUDIENCE', 'opamp-platform-api');
  c.adminUsername = r.string('ADMIN_USERNAME', 'admin');
  c.adminPassword = r.optional('ADMIN_PASSWORD');
  if (c.adminPassword !== undefined && c.adminPassword.length < 8) {
    r.problems.push('ADMIN_PASSWORD: must be at least 8 characters');
  }
  c.adminPasswordReset = r.bool('ADMIN_PASSWORD_RESET', false);
  if (c.adminPasswordReset && c.adminPassword === undefined) {
    r.problems.push('ADMIN_PASSWORD_RESET: needs ADMIN_PASSWORD (the password to set)');
  }
  c.logLevel = r.oneOf('LOG_LEVEL', LOG_LEVELS, 'info');
  c.corsOrigins = (r.optional('CORS_ORIGINS') ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  c.trustProxy = r.string('TRUST_PROXY', 'loopback');
  c.loginMaxAttempts = r.int('LOGIN_MAX_ATTEMPTS', 10, 1, 10000);
  c.loginWindowSeconds = r.int('LOGIN_WINDOW_SECONDS', 300, 1, 86400);
  c.instanceId = r.optional('INSTANCE_ID');
  c.instanceHeartbeatSeconds = r.int('INSTANCE_HEARTBEAT_SECONDS', 10, 1, 3600);
  c.opampMaxMessageBytes = r.int('OPAMP_MAX_MESSAGE_BYTES', 64 * MIB, 1024, 1024 * MIB);
  c.opampHeartbeatSeconds = r.int('OPAMP_HEARTBEAT_SECONDS', 30, 1, 86400);
  c.opampAllowAnonymous = r.bool('OPAMP_ALLOW_ANONYMOUS', false);
  c.opampMaxConnections = r.int('OPAMP_MAX_CONNECTIONS', 19000, 1, 1_000_000);
  c.opampMaxHandshakesPerSecond = r.int('OPAMP_MAX_HANDSHAKES_PER_SECOND', 1000, 1, 1_000_000);
  c.opampMaxLoopLagMs = r.int('OPAMP_MAX_LOOP_LAG_MS', 2000, 0, 600_000);
  c.opampMaxFirstAnswerWaitMs = r.int('OPAMP_MAX_FIRST_ANSWER_WAIT_MS', 0, 0, 600_000);
  c.opampMaxAcceptQueue = r.int('OPAMP_MAX_ACCEPT_QUEUE', 256, 0, 65_535);
  c.opampPublicUrl = r.url('OPAMP_PUBLIC_URL', ['http:', 'https:']);
  c.packageMaxBytes = r.int('PACKAGE_MAX_BYTES', 2048 * MIB, 1, Number.MAX_SAFE_INTEGER);
  c.packageSignaturePolicy = r.oneOf('PACKAGE_SIGNATURE_POLICY', ['off', 'warn', 'require'] as const, 'warn');
  c.uploadExpiryHours = r.number('UPLOAD_EXPIRY_HOURS', 24, 0.0001, 24 * 90);
  c.configMaxBytes = r.int('CONFIG_MAX_BYTES', 1 * MIB, 1, 64 * MIB);
  c.applyTimeoutSeconds = r.int('APPLY_TIMEOUT_SECONDS', 300, 1, 86400 * 7);
  c.shutdownTimeoutSeconds = r.int('SHUTDOWN_TIMEOUT_SECONDS', 10, 1, 600);
  c.redactKeys = (r.optional('REDACT_KEYS') ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  c.redactValuePatterns = (r.optional('REDACT_VALUE_PATTERNS') ?? '').split(/\s+/).filter(Boolean);
  for (const pattern of c.redactValuePatterns) {
    try {
      new RegExp(pattern, 'g');
    } catch {
      r.problems.push(`REDACT_VALUE_PATTERNS: "${pattern}" is not a valid regular expression`);
    }
  }
  c.customMessagesKept = r.int('CUSTOM_MESSAGES_KEPT', 20, 1, 1000);
  c.customMessageMaxBytes = r.int('CUSTOM_MESSAGE_MAX_BYTES', 64 * 1024, 1, 16 * MIB);
  c.opampMaxSendBufferBytes = r.int('OPAMP_MAX_SEND_BUFFER_BYTES', 16 * MIB, 64 * 1024, 1024 * MIB);
  c.opampSendTimeoutMs = r.int('OPAMP_SEND_TIMEOUT_MS', 30_000, 100, 600_000);
  const minFree = r.optional('STORAGE_MIN_FREE_BYTES');
  c.storageMinFreeBytes =
    minFree === undefined ? undefined : r.int('STORAGE_MIN_FREE_BYTES', 0, 0, Number.MAX_SAFE_INTEGER);
  c.reconcileIntervalSeconds = r.duration('STORAGE_RECONCILE_INTERVAL', 3600);
  c.reconcileTempMaxAgeSeconds = r.duration('STORAGE_RECONCILE_TEMP_MAX_AGE', 3600);
  c.reconcileMultipartMaxAgeSeconds = r.duration('STORAGE_RECONCILE_MULTIPART_MAX_AGE', 86400);
  c.reconcileOrphanGraceSeconds = r.duration('STORAGE_RECONCILE_ORPHAN_GRACE', 3600);
  c.auditRetentionDays = r.int('AUDIT_RETENTION_DAYS', 365, 1, 36500);
  c.webhookTimeoutMs = r.int('WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000);
  c.webhookRetryBaseMs = r.int('WEBHOOK_RETRY_BASE_MS', 10_000, 10, 3_600_000);
  c.webhookRetryMaxMs = r.int('WEBHOOK_RETRY_MAX_MS', 3_600_000, 10, 86_400_000);
  c.webhookMaxAttempts = r.int('WEBHOOK_MAX_ATTEMPTS', 30, 1, 1000);
  c.webhookConcurrency = r.int('WEBHOOK_CONCURRENCY', 8, 1, 256);
  c.webhookPollMs = r.int('WEBHOOK_POLL_MS', 1000, 10, 60_000);
  c.fleetOfflineThreshold = r.int('FLEET_OFFLINE_THRESHOLD', 10, 1, 1_000_000);
  c.fleetOfflineWindowMinutes = r.int('FLEET_OFFLINE_WINDOW_MINUTES', 5, 1, 1440);
  c.eventsWsMaxBufferedBytes = r.int('EVENTS_WS_MAX_BUFFERED_BYTES', 4 * MIB, 1024, 1024 * MIB);
  if (r.problems.length > 0) {
    throw new ConfigValidationError(r.problems);
  }
  return c;
}
