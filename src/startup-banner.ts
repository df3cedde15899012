import fs from 'node:fs';
import path from 'node:path';
import { reachableHosts } from './common/listen-address.js';
import type { AppConfig } from './config/app-config.js';

/** Where a new user goes next, printed once the server is up. */
export interface StartupBanner {
  console: string[];
  api: string;
  swagger: string;
  opamp: string[];
  admin_password: string;
}

/**
 * The URLs to open, for the address the server is bound to (every reachable address for 0.0.0.0,
 * never 127.0.0.1 that other machines cannot use), the agents' endpoint (OPAMP_PUBLIC_URL when
 * set) and where the first admin's password is.
 */
export function startupBanner(config: AppConfig, httpPort: number, opampPort: number): StartupBanner {
  const hosts = reachableHosts(config.httpHost);
  const consoles = hosts.map((host) => `http://${host}:${httpPort}/`);
  const base = consoles[0].replace(/\/$/, '');
  const opamp = config.opampPublicUrl
    ? [`${config.opampPublicUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}/v1/opamp`]
    : hosts.map((host) => `ws://${host}:${opampPort}/v1/opamp`);
  return {
    console: consoles,
    api: `${base}/api/v1`,
    swagger: `${base}/swagger`,
    opamp,
    admin_password: adminPasswordHint(config),
  };
}

function adminPasswordHint(config: AppConfig): string {
  const file = path.join(config.dataDir, 'initial-admin-password');
  if (fs.existsSync(file)) {
    return `user "${config.adminUsername}", generated password in ${file}`;
  }
  if (config.adminPassword !== undefined) {
    return `user "${config.adminUsername}", password from ADMIN_PASSWORD (applied on first start or with ADMIN_PASSWORD_RESET=true)`;
  }
  return `user "${config.adminUsername}", password as last set (ADMIN_PASSWORD with ADMIN_PASSWORD_RESET=true resets it)`;
}

/** The banner as a few aligned lines, for a terminal. */
export function formatBanner(banner: StartupBanner, version: string): string {
  const rows: Array<[string, string]> = [
    ['Console', banner.console.join('  ')],
    ['REST API', banner.api],
    ['Swagger UI', banner.swagger],
    ['OpAMP (agents)', banner.opamp.join('  ')],
    ['Admin', banner.admin_password],
  ];
  return [`OpAMP Platform ${version} is ready`, ...rows.map(([k, v]) => `  ${k.padEnd(15)} ${v}`)].join('\n');
}
