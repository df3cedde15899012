import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { from, Observable, switchMap, tap } from 'rxjs';
import type { AuthenticatedUser } from '../auth/roles.js';
import { requestIdOf } from '../common/request-id.js';
import { redactForAudit } from './audit-redaction.js';
import { auditTarget, type AuditTarget } from './audit-route.js';
import { SNAPSHOT_SOURCES } from './audit-snapshots.js';
import { AuditRepository } from './audit.repository.js';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type AuditedRequest = Request & { user?: AuthenticatedUser; audited?: boolean };

/**
 * Records every API write that reaches its handler, exactly once, when the response is finished
 * (so its final status is known, whatever produced it: the handler, a pipe's 400, the exception
 * filter, a streaming handler). Requests refused by the auth guard (401/403) never reach a handler
 * and are not recorded: they change nothing, and anonymous callers could otherwise fill the log.
 * Refused writes that did reach the handler (400, 404, 409...) are recorded with outcome `failure`.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Audit');

  constructor(private readonly audit: AuditRepository) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') {
      return next.handle();
    }
    const http = context.switchToHttp();
    const request = http.getRequest<AuditedRequest>();
    const response = http.getResponse<Response>();
    if (!WRITES.has(request.method) || request.audited) {
      return next.handle();
    }
    request.audited = true;
    const routePath = (request.route as { path?: string } | undefined)?.path ?? request.path;
    const target = auditTarget(request.method, routePath, request.params as Record<string, string>);
    if (target.resource === 'users' && target.resourceId === undefined && request.user && routePath.includes('/me/')) {
      target.resourceId = request.user.id;
    }
    let created: string | undefined;
    return from(this.audit.snapshot(target.resource, target.resourceId)).pipe(
      switchMap((before) => {
        this.recordOnFinish(request, response, target, before, () => created);
        return next.handle().pipe(
          tap((body: unknown) => {
            created = createdId(body, SNAPSHOT_SOURCES[target.resource]?.column ?? 'id');
          }),
        );
      }),
    );
  }

  private recordOnFinish(
    request: AuditedRequest,
    response: Response,
    target: AuditTarget,
    before: unknown,
    createdId: () => string | undefined,
  ): void {
    let done = false;
    const record = () => {
      if (done) {
        return;
      }
      done = true;
      const status = response.headersSent || response.writableFinished ? response.statusCode : 499;
      this.write(request, target, before, status, createdId()).catch((error: unknown) => {
        this.logger.error({ err: error }, `Could not record ${request.method} ${request.path} in the audit log`);
      });
    };
    response.once('finish', record);
    response.once('close', record);
  }

  private async write(
    request: AuditedRequest,
    target: AuditTarget,
    before: unknown,
    status: number,
    createdId: string | undefined,
  ): Promise<void> {
    const success = status < 400;
    const resourceId = target.resourceId ?? (success ? createdId : undefined);
    const after = success ? await this.audit.snapshot(target.resource, resourceId) : null;
    const user = request.user;
    const loginName = target.resource === 'auth' ? loginUsername(request.body) : undefined;
    await this.audit.insert({
      actor_type: user ? 'user' : 'anonymous',
      actor_id: user?.id ?? null,
      actor_name: user?.username ?? loginName ?? null,
      action: target.action,
      resource: target.resource,
      resource_id: resourceId ?? null,
      method: request.method,
      path: request.originalUrl.split('?')[0].slice(0, 2048),
      status_code: status,
      outcome: success ? 'success' : 'failure',
      client_ip: request.ip ?? null,
      request_id: requestIdOf(request),
      before: redactForAudit(before),
      after: redactForAudit(after),
      request: requestBody(request),
    });
  }
}

/** The key of what a POST created, from its response body (`id`, or `name` for resources addressed by name). */
function createdId(body: unknown, key: string): string | undefined {
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    const id = record[key] ?? record.id;
    if (typeof id === 'string' || typeof id === 'number') {
      return String(id);
    }
  }
  return undefined;
}

function loginUsername(body: unknown): string | undefined {
  const name = (body as { username?: unknown } | undefined)?.username;
  return typeof name === 'string' ? name.slice(0, 255) : undefined;
}

/** The JSON body, redacted; uploads and other non-JSON bodies are not kept. */
function requestBody(request: Request): unknown {
  if (!request.is('application/json') || request.body === undefined) {
    return null;
  }
  const body = redactForAudit(request.body) as Record<string, unknown> | null;
  if (body && typeof body === 'object' && typeof body.raw_config === 'string') {
    // Config content may hold credentials; its version history keeps it, the audit keeps its size.
    body.raw_config = `<${Buffer.byteLength(body.raw_config)} bytes>`;
  }
  return body;
}
