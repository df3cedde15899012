import type { Logger } from '@nestjs/common';
import { isRetryable } from '../database/retry.js';
import type { OpampMetrics } from './opamp-metrics.js';
import { ServerErrorResponseType, type AgentToServer, type ServerToAgent } from './proto/opamp.types.js';
import { uuidFromBytes } from './uuid.js';

export const OPAMP_PATH = '/v1/opamp';
/** Marks the gateway served on the OpAMP port (see OpampWsAdapter). */
export const OPAMP_PORT_GATEWAY = 'opampPort';
export const RETRY_AFTER_SECONDS = 5;

/** The reply that tells an agent to come back later (UNAVAILABLE with retry_info). */
export function unavailable(
  uid: Uint8Array | undefined,
  retryAfterSeconds = RETRY_AFTER_SECONDS,
  reason = 'server busy; retry later',
): ServerToAgent {
  return {
    instance_uid: uid ?? new Uint8Array(0),
    error_response: {
      type: ServerErrorResponseType.Unavailable,
      error_message: reason,
      retry_info: { retry_after_nanoseconds: retryAfterSeconds * 1e9 },
    },
  };
}

/**
 * A handler threw: our bug, a row PostgreSQL refuses, or the database out of reach. Only the
 * last is worth a retry (UNAVAILABLE with retry_info); anything else would fail the same way
 * again, so the agent gets an error it does not retry instead of an endless "server busy".
 */
export function handlerFailed(
  error: unknown,
  message: AgentToServer,
  transport: 'websocket' | 'http',
  metrics: OpampMetrics,
  logger: Logger,
): { reply: ServerToAgent; retryable: boolean } {
  const uid = message.instance_uid;
  const instanceUid = uid?.length === 16 ? uuidFromBytes(uid) : undefined;
  const retryable = isRetryable(error);
  metrics.handlerFailures.inc({ transport, kind: retryable ? 'retryable' : 'internal' });
  logger.error(
    { err: error, instanceUid, transport, retryable },
    `Handling a message of agent ${instanceUid ?? '(no uid)'} failed`,
  );
  if (retryable) {
    return { reply: unavailable(uid, RETRY_AFTER_SECONDS, 'database unavailable; retry later'), retryable };
  }
  return {
    reply: {
      instance_uid: uid ?? new Uint8Array(0),
      error_response: {
        type: ServerErrorResponseType.Unknown,
        error_message: 'internal server error while processing this message (logged); retrying it will not help',
      },
    },
    retryable,
  };
}
