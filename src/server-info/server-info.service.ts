import { Injectable } from '@nestjs/common';
import { appVersion } from '../common/app-version.js';
import { AppConfig } from '../config/app-config.js';
import type { ServerInfoResponse } from './dto/server-info.dto.js';

const OPAMP_PATH = '/v1/opamp';

/** The public face of this server: its version and the OpAMP endpoint agents should be given. */
@Injectable()
export class ServerInfoService {
  private readonly version = appVersion();

  constructor(private readonly config: AppConfig) {}

  /**
   * `OPAMP_PUBLIC_URL` when set (the same base as package download URLs); otherwise the host the
   * caller reached this server by, on the OpAMP port — right when agents see the server as the
   * operator's browser does, which is why the console says it is a guess.
   */
  describe(requestHost: string): ServerInfoResponse {
    const configured = this.config.opampPublicUrl;
    const base = configured
      ? new URL(configured)
      : new URL(`http://${formatHost(requestHost)}:${this.config.opampPort}`);
    const basePath = base.pathname.replace(/\/+$/, '');
    const http = `${base.protocol}//${base.host}${basePath}${OPAMP_PATH}`;
    return {
      version: this.version,
      opamp_http_url: http,
      opamp_ws_url: http.replace(/^http/, 'ws'),
      opamp_url_source: configured ? 'OPAMP_PUBLIC_URL' : 'request',
    };
  }
}

function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
