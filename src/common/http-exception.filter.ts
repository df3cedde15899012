import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { DomainError, type DomainErrorKind } from './domain-error.js';
import { requestIdOf } from './request-id.js';

/** The one JSON shape of every error the API returns. */
export interface ErrorBody {
  statusCode: number;
  error: string;
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
    const { status, message, retryAfter } = this.describe(exception, requestId);
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
      message,
      requestId,
    };
    response.status(status).json(body);
  }

  private describe(exception: unknown, requestId?: string): { status: number; message: string; retryAfter?: number } {
    if (exception instanceof DomainError) {
      return {
        status: statusForKind(exception.kind),
        message: exception.message,
        retryAfter: exception.retryAfterSeconds,
      };
    }
    if (exception instanceof HttpException) {
      // Nest's Express adapter wraps body-parser's errors (413, malformed JSON) and keeps them as the cause.
      const cause = exception.cause;
      const message = isBodyParserError(cause) ? bodyParserMessage(cause) : messageOf(exception);
      return { status: exception.getStatus(), message };
    }
    if (isBodyParserError(exception)) {
      return { status: exception.status, message: bodyParserMessage(exception) };
    }
    this.logger.error({ err: exception, requestId }, 'Unhandled error');
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error' };
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

function bodyParserMessage(error: BodyParserError): string {
  switch (error.type) {
    case 'entity.parse.failed':
      return `Malformed JSON body: ${error.message}`;
    case 'entity.too.large':
      return error.limit === undefined
        ? 'Request body is too large'
        : `Request body is too large: the limit is ${formatBytes(error.limit)} (${error.limit} bytes)`;
    default:
      return error.message;
  }
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${+(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${+(bytes / 1024).toFixed(1)} KiB`;
}
