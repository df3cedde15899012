import crypto from 'node:crypto';
import zlib from 'node:zlib';
import WebSocket from 'ws';
import { OpampCodec } from '../../src/opamp/proto/opamp-codec.js';
import type { AgentToServerInput, ServerToAgent } from '../../src/opamp/proto/opamp.types.js';
import { AgentCapabilities } from '../../src/opamp/proto/opamp.types.js';
import { uuidFromBytes, uuidv7Bytes } from '../../src/opamp/uuid.js';

export const codec = new OpampCodec();

/** A UUIDv7, as real clients make (the Elastic client refuses anything else). */
export function newUid(): Uint8Array {
  return uuidv7Bytes();
}

/** 16 random bytes: valid for OpAMP, though not a well-formed UUID. */
export function randomUid(): Uint8Array {
  return crypto.randomBytes(16);
}

/** Canonical UUID text of a uid, as the REST API addresses agents. */
export const uidText = uuidFromBytes;

export const BASIC_CAPABILITIES =
  AgentCapabilities.ReportsStatus |
  AgentCapabilities.AcceptsRemoteConfig |
  AgentCapabilities.ReportsRemoteConfig |
  AgentCapabilities.ReportsEffectiveConfig |
  AgentCapabilities.ReportsHealth |
  AgentCapabilities.ReportsHeartbeat;

export function description(name: string, extra: Record<string, string> = {}): AgentToServerInput['agent_description'] {
  return {
    identifying_attributes: [
      { key: 'service.name', value: { string_value: name } },
      { key: 'service.version', value: { string_value: '1.2.3' } },
    ],
    non_identifying_attributes: [
      { key: 'host.name', value: { string_value: `${name}-host` } },
      { key: 'os.type', value: { string_value: 'linux' } },
      ...Object.entries(extra).map(([key, v]) => ({ key, value: { string_value: v } })),
    ],
  };
}

/** A WebSocket OpAMP agent for tests: raw frames in, decoded ServerToAgent out. */
export class WsTestAgent {
  readonly received: ServerToAgent[] = [];
  readonly rawFrames: Buffer[] = [];
  closeCode?: number;
  private waiters: Array<() => void> = [];
  sequence = 0;

  private constructor(
    readonly ws: WebSocket,
    public uid: Uint8Array,
  ) {
    ws.on('message', (data: Buffer) => {
      this.rawFrames.push(data);
      if (data[0] === 0) {
        this.received.push(codec.decodeServerToAgent(data.subarray(1)));
      }
      this.waiters.splice(0).forEach((wake) => wake());
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.waiters.splice(0).forEach((wake) => wake());
    });
  }

  /** Resolves once connected; rejects with the HTTP status when the upgrade is refused. */
  static connect(opampUrl: string, key?: string, uid = newUid()): Promise<WsTestAgent> {
    const ws = new WebSocket(opampUrl.replace(/^http/, 'ws'), {
      headers: key ? { Authorization: `Bearer ${key}` } : {},
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new WsTestAgent(ws, uid)));
      ws.once('unexpected-response', (_req, res) => {
        reject(
          Object.assign(new Error(`upgrade refused: ${res.statusCode}`), {
            status: res.statusCode,
            headers: res.headers,
          }),
        );
      });
      ws.once('error', reject);
    });
  }

  /** Sends a message with this agent's uid and the next sequence number, unless given. */
  send(message: Partial<AgentToServerInput> = {}): void {
    this.sequence += 1;
    const full: AgentToServerInput = {
      instance_uid: this.uid,
      sequence_num: this.sequence,
      capabilities: BASIC_CAPABILITIES,
      ...message,
    };
    this.sendRaw(Buffer.concat([Buffer.of(0), codec.encodeAgentToServer(full)]));
  }

  sendRaw(frame: Buffer | string, binary = true): void {
    this.ws.send(frame, { binary });
  }

  /** Waits for the n-th received message (1-based), or fails after `timeoutMs`. */
  async message(n = this.received.length + 1, timeoutMs = 5000): Promise<ServerToAgent> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < n) {
      if (this.closeCode !== undefined) {
        throw new Error(`socket closed with ${this.closeCode} while waiting for message ${n}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`no message ${n} within ${timeoutMs} ms (have ${this.received.length})`);
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.received[n - 1];
  }

  /** Sends and waits for the reply to it. */
  async exchange(message: Partial<AgentToServerInput> = {}): Promise<ServerToAgent> {
    const n = this.received.length + 1;
    this.send(message);
    return this.message(n);
  }

  async closed(timeoutMs = 5000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.closeCode === undefined) {
      if (Date.now() > deadline) {
        throw new Error('socket still open');
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.closeCode;
  }

  close(): void {
    this.ws.close(1000);
  }
}

export interface PollResult {
  status: number;
  headers: Headers;
  message?: ServerToAgent;
  text?: string;
}

/** One plain-HTTP OpAMP poll. */
export async function httpPoll(
  opampUrl: string,
  message: AgentToServerInput,
  options: { key?: string; gzip?: boolean; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<PollResult> {
  let body = options.body ?? Buffer.from(codec.encodeAgentToServer(message));
  const headers: Record<string, string> = { 'Content-Type': 'application/x-protobuf', ...options.headers };
  if (options.key) {
    headers.Authorization = `Bearer ${options.key}`;
  }
  if (options.gzip) {
    body = zlib.gzipSync(body);
    headers['Content-Encoding'] = 'gzip';
  }
  const response = await fetch(opampUrl, { method: 'POST', headers, body });
  const bytes = Buffer.from(await response.arrayBuffer());
  const isProtobuf = response.headers.get('content-type') === 'application/x-protobuf';
  return {
    status: response.status,
    headers: response.headers,
    message: isProtobuf && bytes.length > 0 ? codec.decodeServerToAgent(bytes) : undefined,
    text: isProtobuf ? undefined : bytes.toString('utf8'),
  };
}
