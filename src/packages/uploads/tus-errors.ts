import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { DomainError } from '../../common/domain-error.js';
import { statusForKind, type ErrorBody } from '../../common/http-exception.filter.js';
import { requestIdOf } from '../../common/request-id.js';

/** What @tus/server expects a hook to throw to answer with that status and body. */
export interface TusHookError {
  status_code: number;
  body: string;
}

/** A domain error as a tus hook error, with the API's one error shape as the body. */
export function toTusError(error: unknown, request: IncomingMessage | undefined): unknown {
  if (!(error instanceof DomainError)) {
    return error;
  }
  const status = statusForKind(error.kind);
  const body: ErrorBody = {
    statusCode: status,
    error: STATUS_CODES[status] ?? 'Error',
    code: error.code,
    message: error.message,
    requestId: request ? requestIdOf(request) : undefined,
  };
  const hookError: TusHookError = { status_code: status, body: JSON.stringify(body) };
  return hookError;
}
