/** Typed client of the REST API (snake_case, as the server speaks it). */

export type Role = 'viewer' | 'operator' | 'admin';

export interface User {
  id: string;
  username: string;
  role: Role;
  disabled?: boolean;
  created_at?: string;
}

export interface Session {
  token: string;
  expires_at: string;
  user: User;
}

export interface RemoteConfigStatus {
  status: string | null;
  hash: string | null;
  error_message: string | null;
}

export interface AgentSummary {
  instance_uid: string;
  name: string;
  agent_version: string | null;
  host_name: string | null;
  status: string;
  healthy: boolean | null;
  transport: string | null;
  labels: Record<string, string>;
  remote_config_status: RemoteConfigStatus;
  last_seen_at: string | null;
}

export interface AgentAssignment {
  agent_id: string;
  agent_name: string | null;
  host_name: string | null;
  status: string;
  configuration_name: string | null;
  assigned_version: number | null;
  apply_status: string | null;
  reported_error: string | null;
  in_sync: boolean;
}

export interface AgentDetail extends AgentSummary {
  identifying_attributes: Record<string, string>;
  non_identifying_attributes: Record<string, string>;
  capabilities: { mask: number; names: string[] };
  health: HealthNode | null;
  effective_config: Record<string, { body: string; content_type: string }> | null;
  package_statuses?: AgentPackageStatus[];
  instance_id: string | null;
  sequence_num: number;
  first_seen_at: string;
  connected_at: string | null;
  disconnected_at: string | null;
  configuration?: AgentAssignment | null;
}

export interface AgentPackageStatus {
  package_name: string;
  status: string;
  agent_has_version: string | null;
  server_offered_version: string | null;
  download_percent: number | null;
  error_message: string | null;
  updated_at: string;
  /** In the agent detail: whether the version the agent has was verified. */
  installed_signature_status?: string | null;
  installed_signer_fingerprint?: string | null;
}

export interface SigningKey {
  id: number;
  fingerprint: string;
  key_id: string;
  user_ids: string[];
  algorithm: string;
  key_created_at: string;
  expires_at: string | null;
  revoked: boolean;
  added_by: string | null;
  created_at: string;
}

export interface HealthNode {
  healthy?: boolean;
  status?: string;
  last_error?: string;
  start_time_unix_nano?: string | number;
  component_health_map?: Record<string, HealthNode>;
  [key: string]: unknown;
}

export interface ApplyRecord {
  id: string;
  configuration_name: string;
  version: number;
  config_hash: string;
  agent_id: string;
  push_id: string | null;
  status: string;
  error_message: string | null;
  offered_at: string;
  updated_at: string;
}

export type ContentType = 'text/yaml' | 'application/json' | 'text/plain';

export interface Configuration {
  id: string;
  name: string;
  description?: string | null;
  raw_config: string;
  content_type: ContentType;
  file_name: string;
  selector: Record<string, string>;
  priority: number;
  auto_push: boolean;
  version: number;
  config_hash: string;
  updated_by: string | null;
  updated_at: string;
}

export type ConfigurationInput = Pick<
  Configuration,
  'name' | 'raw_config' | 'content_type' | 'selector' | 'priority' | 'auto_push'
> & { description?: string };

export interface ConfigurationVersion {
  version: number;
  raw_config: string;
  selector: Record<string, string>;
  config_hash: string;
  change_kind: string;
  rolled_back_from: number | null;
  created_by: string | null;
  created_at: string;
}

export interface ConfigDiff {
  name: string;
  from: number;
  to: number;
  raw_config_diff: string;
  selector: {
    added: Record<string, string>;
    removed: Record<string, string>;
    changed: Record<string, { from: string; to: string }>;
  };
}

export interface PushResult {
  push_id: string;
  configuration: string;
  version: number;
  targeted: number;
  sent: number;
  forwarded: number;
  skipped: Array<{ agent_id: string; reason: string }>;
}

export interface ApplySummary {
  total: number;
  counts: Record<'pending' | 'applying' | 'applied' | 'failed' | 'timeout' | 'rolled_back', number>;
}

export interface AgentKey {
  id: string;
  name: string;
  prefix: string;
  /** Only in the creation response. */
  key?: string;
  created_at?: string;
  revoked_at?: string | null;
  last_used_at?: string | null;
}

export interface Package {
  id: number;
  name: string;
  version: string;
  platform: string;
  arch: string;
  file_size: number;
  checksum: string;
  description: string;
  has_signature: boolean;
  signature_status: string;
  signer_fingerprint: string | null;
  download_count: number;
  created_at: string;
}

export interface PackageAssignment {
  id: number;
  package_id: number;
  package_name: string;
  package_version: string;
  platform: string;
  arch: string;
  selector: Record<string, string> | null;
  agent_ids: string[] | null;
  created_at: string;
}

/** The API's error body, thrown by every call that gets a non-2xx answer. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let token: string | undefined;
let onUnauthorized: () => void = () => undefined;

export function setToken(value: string | undefined): void {
  token = value;
}

export function getToken(): string | undefined {
  return token;
}

/** Called when the server rejects the session (expired token): the app goes back to login. */
export function handleUnauthorized(callback: () => void): void {
  onUnauthorized = callback;
}

export function authHeaders(): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function errorOf(response: Response): Promise<ApiError> {
  const error = (await response.json().catch(() => ({}))) as { message?: string | string[] };
  const message = Array.isArray(error.message) ? error.message.join('; ') : (error.message ?? response.statusText);
  return new ApiError(response.status, message);
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  return (await callWithResponse<T>(method, path, body)).data;
}

/** A page of a list endpoint and the total the server counted (X-Total-Count). */
export interface ListPage<T> {
  items: T[];
  total: number;
}

async function list<T>(path: string): Promise<ListPage<T>> {
  const { data, response } = await callWithResponse<T[]>('GET', path);
  return { items: data, total: Number(response.headers.get('X-Total-Count') ?? data.length) };
}

async function callWithResponse<T>(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ data: T; response: Response }> {
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers: { ...authHeaders(), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    if (response.status === 401 && path !== '/auth/login') {
      onUnauthorized();
    }
    throw await errorOf(response);
  }
  const data = (response.status === 204 ? undefined : await response.json()) as T;
  return { data, response };
}

const enc = encodeURIComponent;

function query(params: Record<string, string | number | undefined>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== '');
  return entries.length ? `?${entries.map(([k, v]) => `${k}=${enc(String(v))}`).join('&')}` : '';
}

export const api = {
  login: (username: string, password: string) => call<Session>('POST', '/auth/login', { username, password }),
  me: () => call<User>('GET', '/auth/me'),

  agents: (filter: { status?: string; selector?: string; q?: string }) =>
    list<AgentSummary>(`/agents${query({ ...filter, page_size: 200 })}`),
  agent: (id: string) => call<AgentDetail>('GET', `/agents/${enc(id)}`),
  setLabels: (id: string, labels: Record<string, string>) =>
    call<AgentDetail>('PUT', `/agents/${enc(id)}/labels`, { labels }),
  restart: (id: string) => call<unknown>('POST', `/agents/${enc(id)}/restart`),
  agentApplyHistory: (id: string) => call<ApplyRecord[]>('GET', `/agents/${enc(id)}/apply-history`),

  configurations: () => call<Configuration[]>('GET', '/configurations?page_size=200'),
  configuration: (name: string) => call<Configuration>('GET', `/configurations/${enc(name)}`),
  createConfiguration: (input: ConfigurationInput) => call<Configuration>('POST', '/configurations', input),
  updateConfiguration: (name: string, input: Partial<ConfigurationInput>) =>
    call<Configuration>('PUT', `/configurations/${enc(name)}`, input),
  deleteConfiguration: (name: string) => call<void>('DELETE', `/configurations/${enc(name)}?force=true`),
  history: (name: string) => call<ConfigurationVersion[]>('GET', `/configurations/${enc(name)}/history`),
  diff: (name: string, from: number, to: number) =>
    call<ConfigDiff>('GET', `/configurations/${enc(name)}/diff${query({ from, to })}`),
  rollback: (name: string, version: number) =>
    call<Configuration>('POST', `/configurations/${enc(name)}/rollback/${version}`),
  push: (name: string) => call<PushResult>('POST', `/configurations/${enc(name)}/push`),
  pushSummary: (name: string, pushId: string) =>
    call<ApplySummary>('GET', `/configurations/${enc(name)}/push/${enc(pushId)}`),
  configurationAgents: (name: string) =>
    call<AgentAssignment[]>('GET', `/configurations/${enc(name)}/agents?page_size=200`),

  packages: () => call<Package[]>('GET', '/packages?page_size=200'),
  package: (id: number) => call<Package>('GET', `/packages/${id}`),
  deletePackage: (id: number) => call<void>('DELETE', `/packages/${id}`),
  signingKeys: () => call<SigningKey[]>('GET', '/signing-keys'),
  addSigningKey: (armoredKey: string) => call<SigningKey>('POST', '/signing-keys', { armored_key: armoredKey }),
  deleteSigningKey: (id: number) => call<void>('DELETE', `/signing-keys/${id}`),
  packageAssignments: () => call<PackageAssignment[]>('GET', '/package-assignments'),
  assignPackage: (packageId: number, selector: Record<string, string>) =>
    call<PackageAssignment>('POST', '/package-assignments', { package_id: packageId, selector }),
  unassignPackage: (id: number) => call<void>('DELETE', `/package-assignments/${id}`),

  users: () => call<User[]>('GET', '/users'),
  createUser: (username: string, password: string, role: Role) =>
    call<User>('POST', '/users', { username, password, role }),
  updateUser: (id: string, patch: { role?: Role; disabled?: boolean; password?: string }) =>
    call<User>('PATCH', `/users/${enc(id)}`, patch),
  agentKeys: () => call<AgentKey[]>('GET', '/agent-keys'),
  createAgentKey: (name: string) => call<AgentKey>('POST', '/agent-keys', { name }),
  deleteAgentKey: (id: string) => call<void>('DELETE', `/agent-keys/${enc(id)}`),
};

/**
 * Uploads a package as multipart form data with XMLHttpRequest, which (unlike fetch) reports
 * upload progress; `onProgress` gets 0..1.
 */
export function uploadPackage(form: FormData, onProgress: (fraction: number) => void): Promise<Package> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/packages');
    Object.entries(authHeaders()).forEach(([name, value]) => xhr.setRequestHeader(name, value));
    xhr.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    xhr.onload = () => {
      const body = JSON.parse(xhr.responseText || '{}') as Package & { message?: string | string[] };
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(body);
      } else {
        const message = Array.isArray(body.message) ? body.message.join('; ') : (body.message ?? xhr.statusText);
        reject(new ApiError(xhr.status, message));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'Upload failed: network error'));
    xhr.send(form);
  });
}

/** Downloads a package with the bearer header (a plain link cannot send it) and saves it under `fileName`. */
export async function downloadPackage(id: number, fileName: string): Promise<void> {
  const response = await fetch(`/api/v1/packages/${id}/download`, { headers: authHeaders() });
  if (!response.ok) {
    throw await errorOf(response);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
