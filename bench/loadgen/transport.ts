import type { OpampCodec } from '../../src/opamp/proto/opamp-codec.js';
import type { AgentEnv } from './sim-agent.js';

/** What the transports of one worker share. */
export interface TransportEnv extends AgentEnv {
  url: URL;
  headers: Record<string, string>;
  codec: OpampCodec;
  heartbeatMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  stopping: boolean;
}

/** One simulated agent on a transport: it connects (or polls) until stopped. */
export interface AgentConnection {
  start(): void;
  stop(): void;
}

/** Retry-After is delta-seconds or an HTTP date; returns milliseconds, or undefined when absent or unusable. */
export function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) {
    return undefined;
  }
  const seconds = Number(text);
  if (Number.isFinite(seconds) && seconds >= 0) {
    return seconds * 1000;
  }
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * Exponential backoff with jitter (0.5x–1.5x) so a reconnect storm spreads out instead of
 * hammering the server in lockstep; a server's Retry-After wins, with jitter too.
 */
export function backoffMs(env: TransportEnv, attempt: number, retryAfterMs?: number): number {
  const jitter = 0.5 + Math.random();
  if (retryAfterMs !== undefined) {
    return retryAfterMs * (0.75 + Math.random() / 2);
  }
  return Math.min(env.backoffMaxMs, env.backoffBaseMs * 2 ** Math.min(attempt, 16)) * jitter;
}

/** Socket errors by code; anything else by a short slug of its message. */
export function errorKind(error: Error & { code?: string }): string {
  if (error.code) {
    return error.code;
  }
  const status = /Unexpected server response: (\d+)/.exec(error.message);
  if (status) {
    return `http-${status[1]}`;
  }
  if (/handshake has timed out/i.test(error.message)) {
    return 'handshake-timeout';
  }
  return error.message.slice(0, 40);
}
