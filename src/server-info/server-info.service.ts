import { Injectable } from '@nestjs/common';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppConfig } from '../config/app-config.js';
import { OpampServer } from '../opamp/opamp-server.js';
import type { ServerInfoResponse } from './dto/server-info.dto.js';

const OPAMP_PATH = '/v1/opamp';

/** The version in the package.json above this file (sources in tests, dist/src in production). */
function readVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
    }
  }
  return 'unknown';
}

/** The public face of this server: its version and the OpAMP endpoint agents should be given. */
@Injectable()
export class ServerInfoService {
  private readonly version = readVersion();

  constructor(
    private readonly config: AppConfig,
    private readonly opamp: OpampServer,
  ) {}

  /**
   * `OPAMP_PUBLIC_URL` when set (the same base as package download URLs); otherwise the host the
   * caller reached this server by, on the OpAMP port — right when agents see the server as the
   * operator's browser does, which is why the console says it is a guess.
   */
  describe(requestHost: string): ServerInfoResponse {
    const configured = this.config.opampPublicUrl;
    const base = configured
      ? new URL(configured)
      : new URL(`http://${formatHost(requestHost)}:${new URL(this.opamp.url).port}`);
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
