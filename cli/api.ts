import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from '../web/src/generated/api-schema.js';
import { DEFAULT_CONTEXT, readConfig, type ConfigFile } from './context-store.js';
import { CliError } from './errors.js';

export type Schemas = components['schemas'];
export type ApiClient = Client<paths>;

/** Where requests go and with which token, and where that came from (for messages). */
export interface Connection {
  server: string;
  token?: string;
  /** `env` when OPAMP_SERVER chose the server, else the context's name. */
  source: string;
}

/**
 * Picks the server and token: an explicit `--context` first, then OPAMP_SERVER / OPAMP_TOKEN
 * (CI), then the current context. A token from the environment never travels to a server from
 * a stored context unless OPAMP_SERVER is unset, and a stored token never goes to OPAMP_SERVER.
 */
export function resolveConnection(
  contextName: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  config: ConfigFile = readConfig(),
): Connection {
  if (!contextName && env.OPAMP_SERVER) {
    return { server: normalizeServer(env.OPAMP_SERVER), token: env.OPAMP_TOKEN || undefined, source: 'env' };
  }
  const name = contextName ?? config.current_context ?? DEFAULT_CONTEXT;
  const context = config.contexts[name];
  if (!context) {
    throw new CliError(
      contextName
        ? `no context "${name}"; create it with: opampctl login --context ${name} --server URL`
        : 'not logged in: run `opampctl login --server URL`, or set OPAMP_SERVER and OPAMP_TOKEN',
    );
  }
  return { server: context.server, token: env.OPAMP_TOKEN || context.token, source: name };
}

export function normalizeServer(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`--server must be an http(s) URL, got "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliError(`--server must be an http(s) URL, got "${url}"`);
  }
  return parsed.toString().replace(/\/+$/, '');
}

export function apiClient(connection: Connection): ApiClient {
  return createClient<paths>({
    baseUrl: connection.server,
    headers: connection.token ? { Authorization: `Bearer ${connection.token}` } : {},
  });
}

interface ApiResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * Unwraps an openapi-fetch result: the data, or a CliError with the server's message.
 * `what` names the thing for 404s ("configuration prod").
 */
export async function call<T>(request: Promise<ApiResult<T>>, what?: string): Promise<T> {
  let result: ApiResult<T>;
  try {
    result = await request;
  } catch (error) {
    throw unreachable(error);
  }
  if (result.response.ok) {
    return result.data as T;
  }
  throw new ApiError(result.response.status, errorMessage(result.response.status, result.error, what));
}

/** A non-2xx answer; `status` lets callers treat 409 as a plan conflict. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function unreachable(error: unknown): CliError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (error as Error).message;
  return new CliError(`cannot reach the server: ${detail}`);
}

export function errorMessage(status: number, body: unknown, what?: string): string {
  const message = (body as { message?: unknown } | undefined)?.message;
  const text = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : undefined;
  switch (status) {
    case 401:
      return 'not authenticated (missing, expired or revoked token): run `opampctl login` or set OPAMP_TOKEN';
    case 403:
      return `forbidden: ${text ?? 'your role may not do this'}`;
    case 404:
      return text ?? `${what ?? 'resource'} not found`;
    default:
      return `${status}: ${text ?? (typeof body === 'string' && body ? body : 'request failed')}`;
  }
}
