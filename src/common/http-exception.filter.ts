import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { DomainError, type DomainErrorKind } from './domain-error.js';
import type { ErrorCode } from './error-codes.js';
import { requestIdOf } from './request-id.js';

/** The one JSON shape of every error the API returns. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  /** Stable name of the case, for programs (see ERROR_CODES). */
  code: ErrorCode;
  message: string;
  requestId?: string;
}

export function statusForKind(kind: DomainErrorKind): number {
  switch (kind) {
    case 'invalid':
      return HttpStatus.BAD_REQUEST;
    case 'unauthorized':
      return HttpStatus.UNAUTHORIZED;
    case 'forbidden':
      return HttpStatus.FORBIDDEN;
    case 'not_found':
      return HttpStatus.NOT_FOUND;
    case 'conflict':
      return HttpStatus.CONFLICT;
    case 'too_large':
      return HttpStatus.PAYLOAD_TOO_LARGE;
    case 'unprocessable':
      return HttpStatus.UNPROCESSABLE_ENTITY;
    case 'rate_limited':
      return HttpStatus.TOO_MANY_REQUESTS;
    case 'unavailable':
      return HttpStatus.SERVICE_UNAVAILABLE;
    case 'insufficient_storage':
      return HttpStatus.INSUFFICIENT_STORAGE;
  }
}

/** Maps domain errors and Nest's HTTP exceptions to ErrorBody; anything else is a logged 500. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const requestId = requestIdOf(http.getRequest<Request>());
    const { status, code, message, retryAfter } = this.describe(exception, requestId);
    const details = exception instanceof DomainError ? exception.details : undefined;
    if (response.headersSent) {
      response.destroy();
      return;
    }
    if (retryAfter !== undefined) {
      response.setHeader('Retry-After', String(retryAfter));
    }
    const body: ErrorBody = {
      ...details,
      statusCode: status,
      error: STATUS_CODES[status] ?? 'Error',
      code,
      message,
      requestId,
    };
    response.status(status).json(body);
  }

  private describe(exception: unknown, requestId?: string): Described {
    if (exception instanceof DomainError) {
      return {
        status: statusForKind(exception.kind),
        code: exception.code,
        message: exception.message,
        retryAfter: exception.retryAfterSeconds,
      };
    }
    if (exception instanceof HttpException) {
      // Nest's Express adapter wraps body-parser's errors (413, malformed JSON) and keeps them as the cause.
      const cause = exception.cause;
      if (isBodyParserError(cause)) {
        return describeBodyParserError(cause);
      }
      const status = exception.getStatus();
      return { status, code: codeOfHttpException(exception, status), message: messageOf(exception) };
    }
    if (isBodyParserError(exception)) {
      return describeBodyParserError(exception);
    }
    this.logger.error({ err: exception, requestId }, 'Unhandled error');
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, code: 'InternalError', message: 'Internal server error' };
  }
}

interface Described {
  status: number;
  code: ErrorCode;
  message: string;
  retryAfter?: number;
}

/**
 * Nest's own exceptions: the ValidationPipe's 400 (a list of messages), the router's 404 for an
 * unknown route (services throw domain errors, never NotFoundException), and the rest by status.
 */
function codeOfHttpException(exception: HttpException, status: number): ErrorCode {
  const response = exception.getResponse();
  if (status === 400 && typeof response === 'object' && Array.isArray((response as { message?: unknown }).message)) {
    return 'ValidationFailed';
  }
  return codeForStatus(status);
}

export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'NotAuthenticated';
    case 403:
      return 'InsufficientRole';
    case 404:
      return 'RouteNotFound';
    case 405:
      return 'MethodNotAllowed';
    case 413:
      return 'PayloadTooLarge';
    case 415:
      return 'UnsupportedMediaType';
    case 429:
      return 'RateLimited';
    default:
      return status < 500 ? 'BadRequest' : 'InternalError';
  }
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') {
    return response;
  }
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) {
    // Validators of one field that share a message say it once.
    return [...new Set(message.map(String))].join('; ');
  }
  return typeof message === 'string' ? message : exception.message;
}

interface BodyParserError {
  status: number;
  type: string;
  message: string;
  /** Set on entity.too.large: the parser's limit in bytes. */
  limit?: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as BodyParserError).status === 'number' &&
    typeof (error as BodyParserError).type === 'string'
  );
}

function describeBodyParserError(error: BodyParserError): Described {
  switch (error.type) {
    case 'entity.parse.failed':
      return { status: error.status, code: 'MalformedJson', message: `Malformed JSON body: ${error.message}` };
    case 'entity.too.large':
      return {
        status: error.status,
        code: 'PayloadTooLarge',
        message:
          error.limit === undefined
            ? 'Request body is too large'
            : `Request body is too large: the limit is ${formatBytes(error.limit)} (${error.limit} bytes)`,
      };
    default:
      return { status: error.status, code: codeForStatus(error.status), message: error.message };
  }
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${+(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${+(bytes / 1024).toFixed(1)} KiB`;
}
