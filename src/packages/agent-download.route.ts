import { Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AgentKeysService } from '../auth/agent-keys.service.js';
import { bearerToken } from '../common/bearer-token.js';
import { DomainError } from '../common/domain-error.js';
import { statusForKind } from '../common/http-exception.filter.js';
import { OpampHttpRoute, type OpampHttpRouteHandler } from '../opamp/opamp-http-routes.js';
import { AgentPackageUrls } from './agent-package-urls.js';
import { downloadHeaders, sendDownload } from './download-response.js';
import { PackagesService } from './packages.service.js';

const PATH = /^\/v1\/packages\/(\d{1,10})\/download$/;

/**
 * GET /v1/packages/<id>/download on the OpAMP port, for agents: authorised by the agent's
 * enrollment key (`Authorization: Bearer`) or by the signed URL offered in PackagesAvailable.
 * Supports Range, as the specification asks, so agents can resume.
 */
@Injectable()
@OpampHttpRoute('/v1/packages/')
export class AgentDownloadRoute implements OpampHttpRouteHandler {
  private readonly logger = new Logger(AgentDownloadRoute.name);

  constructor(
    private readonly packages: PackagesService,
    private readonly keys: AgentKeysService,
    private readonly urls: AgentPackageUrls,
  ) {}

  readonly handle = async (request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> => {
    const match = PATH.exec(url.pathname);
    if (!match) {
      return text(response, 404, 'Not Found');
    }
    const id = Number(match[1]);
    if (!(await this.authorised(request, id, url))) {
      return text(response, 401, 'A valid enrollment key or signed URL is required', {
        'WWW-Authenticate': 'Bearer',
      });
    }
    try {
      const plan = await this.packages.planDownload(id, downloadHeaders(request));
      if ((await sendDownload(request, response, plan)) && plan.completesFile) {
        await this.packages.recordDownload(id);
      }
    } catch (error) {
      if (!(error instanceof DomainError) || response.headersSent) {
        throw error;
      }
      this.logger.debug({ err: error }, 'Agent download refused');
      const retry = error.retryAfterSeconds;
      text(response, statusForKind(error.kind), error.message, retry ? { 'Retry-After': String(retry) } : {});
    }
  };

  private async authorised(request: IncomingMessage, id: number, url: URL): Promise<boolean> {
    const key = bearerToken(request.headers.authorization);
    if (key) {
      return (await this.keys.verify(key)) !== undefined;
    }
    return this.urls.signer.verify(id, url.searchParams.get('expires'), url.searchParams.get('sig'));
  }
}

function text(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  response.end(body);
}
