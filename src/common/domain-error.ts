import type { ErrorCode } from './error-codes.js';

/**
 * The kinds of failure a service can report. The global exception filter maps each kind to one
 * HTTP status with an exhaustive switch, so adding a kind forces a decision about its status.
 */
export type DomainErrorKind =
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unprocessable'
  | 'rate_limited'
  | 'unavailable'
  | 'insufficient_storage';

/**
 * Base class of every error a service throws on purpose; `code` names the case (e.g.
 * PackageAlreadyExists) and goes into the error body as is. It must be listed in ERROR_CODES.
 */
export class DomainError extends Error {
  /** Extra fields for the error body (e.g. a validator's findings), beside the common ones. */
  readonly details?: Record<string, unknown>;

  constructor(
    readonly kind: DomainErrorKind,
    readonly code: ErrorCode,
    message: string,
    /** Seconds a client should wait before retrying (rate_limited and unavailable). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = code;
  }
}
