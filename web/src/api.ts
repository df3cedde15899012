/**
 * Typed client of the REST API (snake_case, as the server speaks it). Paths, parameters, bodies
 * and responses come from web/src/generated/api-schema.ts, generated from openapi.json by
 * `npm run generate:api`; `npm run check` fails when that file is stale, so a DTO change on the
 * server breaks the console's build instead of its behaviour.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './generated/api-schema.js';

type Schemas = components['schemas'];

export type Role = Schemas['UserResponse']['role'];
export type User = Schemas['UserResponse'];
export type Session = Schemas['LoginResponse'];
export type RemoteConfigStatus = Schemas['RemoteConfigStatusView'];
export type AgentSummary = Schemas['AgentSummary'];
export type AgentAssignment = Schemas['AgentAssignmentResponse'];
export type AgentPackageStatus = Omit<Schemas['AgentPackageStatusResponse'], 'instance_uid'>;
export type ApplyRecord = Schemas['ApplyRecordResponse'];
export type Configuration = Schemas['ConfigurationResponse'];
export type ContentType = Configuration['content_type'];
export type ConfigurationInput = Pick<
  Configuration,
  'name' | 'raw_config' | 'content_type' | 'selector' | 'priority' | 'auto_push' | 'inherit_rollout_policy'
> & { description?: string };
export type ConfigurationVersion = Schemas['ConfigurationVersionResponse'];
export type ConfigValidation = Schemas['ValidationResponse'];
export type ConfigDiff = Schemas['DiffResponse'];
export type PushResult = Schemas['PushResponse'];
export type ApplySummary = Schemas['PushSummaryResponse'];
export type AgentKey = Schemas['AgentKeyResponse'];
export type CreatedAgentKey = Schemas['CreatedAgentKeyResponse'];
export type Package = Schemas['PackageResponse'];
export type PackageArch = Package['arch'];
export type PackageAssignment = Schemas['PackageAssignmentResponse'];
export type FleetOverview = Schemas['FleetOverviewResponse'];
export type ServerInfo = Schemas['ServerInfoResponse'];
export type AgentDrift = Schemas['DriftResponse'];
export type CustomMessage = Schemas['CustomMessageResponse'];
export type SigningKey = Schemas['SigningKeyResponse'];
export type AuditRecord = Schemas['AuditRecordResponse'];
export type AuditQuery = NonNullable<paths['/api/v1/audit']['get']['parameters']['query']>;
export type ConnectionSettings = Schemas['ConnectionSettingsResponse'];
export type ConnectionSettingsInput = Schemas['UpdateConnectionSettingsRequest'];
export type TelemetryDestination = Schemas['DestinationInput'];
export type Rollout = Schemas['RolloutResponse'];
export type RolloutDetail = Schemas['RolloutDetailResponse'];
export type RolloutAgent = Schemas['RolloutAgentResponse'];
export type RolloutInput = Schemas['CreateRolloutRequest'];
export type RolloutAction = 'pause' | 'resume' | 'cancel' | 'rollback';
export type DefaultRolloutPolicy = Schemas['DefaultRolloutPolicyResponse'];
export type DefaultRolloutPolicyInput = Schemas['CreateDefaultRolloutPolicyRequest'];
export type EffectiveRolloutPolicy = Schemas['EffectiveRolloutPolicyResponse'];
export type AgentSort = NonNullable<NonNullable<paths['/api/v1/agents']['get']['parameters']['query']>['sort']>;
export interface AgentSortOrder {
  sort: AgentSort;
  order: 'asc' | 'desc';
}

/** A node of the ComponentHealth tree as agents report it (the API documents it as a free-form object). */
export interface HealthNode {
  healthy?: boolean;
  status?: string;
  last_error?: string;
  start_time_unix_nano?: string | number;
  component_health_map?: Record<string, HealthNode>;
  [key: string]: unknown;
}

/** The agent detail, with the parts the API documents as free-form objects given their known shape. */
export type AgentDetail = Omit<
  Schemas['AgentDetail'],
  'health' | 'effective_config' | 'package_statuses' | 'configuration'
> & {
  health: HealthNode | null;
  effective_config: Record<string, { body: string; content_type: string }> | null;
  package_statuses?: AgentPackageStatus[];
  configuration?: AgentAssignment | null;
};

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

function messageOf(body: unknown, fallback: string): string {
  const message = (body as { message?: string | string[] } | undefined)?.message;
  return Array.isArray(message) ? message.join('; ') : (message ?? fallback);
}

async function errorOf(response: Response): Promise<ApiError> {
  return new ApiError(response.status, messageOf(await response.json().catch(() => ({})), response.statusText));
}

const client = createClient<paths>({ baseUrl: '' });
client.use({
  onRequest: ({ request }) => {
    if (token) {
      request.headers.set('Authorization', `Bearer ${token}`);
    }
    return request;
  },
});

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * The data of a 2xx answer; anything else becomes an ApiError, and a 401 ends the session unless
 * it answers a password check (a failed login, a wrong current password).
 */
async function unwrap<T>(
  pending: Promise<FetchResult<T>>,
  checksPassword = false,
): Promise<{ data: T; response: Response }> {
  const { data, error, response } = await pending;
  if (!response.ok) {
    if (response.status === 401 && !checksPassword) {
      onUnauthorized();
    }
    throw new ApiError(response.status, messageOf(error, response.statusText));
  }
  return { data: data as T, response };
}

async function call<T>(pending: Promise<FetchResult<T>>, checksPassword = false): Promise<T> {
  return (await unwrap(pending, checksPassword)).data;
}

/** A page of a list endpoint and the total the server counted (X-Total-Count). */
export interface ListPage<T> {
  items: T[];
  total: number;
}

async function list<T>(pending: Promise<FetchResult<T[]>>): Promise<ListPage<T>> {
  const { data, response } = await unwrap(pending);
  return { items: data, total: Number(response.headers.get('X-Total-Count') ?? data.length) };
}

const ALL = 200;
const DRIFT_STATES = ['in_sync', 'drifted', 'unknown', 'pending'] as const;

export const api = {
  rollouts: () => call(client.GET('/api/v1/rollouts', { params: { query: { page_size: ALL } } })),
  rollout: (id: string) => call(client.GET('/api/v1/rollouts/{id}', { params: { path: { id } } })),
  rolloutAgents: (id: string, query: { stage?: number; state?: RolloutAgent['state'] }) =>
    call(client.GET('/api/v1/rollouts/{id}/agents', { params: { path: { id }, query: { ...query, page_size: ALL } } })),
  createRollout: (body: RolloutInput) => call(client.POST('/api/v1/rollouts', { body })),
  rolloutAction: (id: string, action: RolloutAction) =>
    call(client.POST(`/api/v1/rollouts/{id}/${action}`, { params: { path: { id } } })),
  rolloutPolicies: () => call(client.GET('/api/v1/rollout-policies', { params: { query: { page_size: ALL } } })),
  createRolloutPolicy: (body: DefaultRolloutPolicyInput) => call(client.POST('/api/v1/rollout-policies', { body })),
  deleteRolloutPolicy: (name: string) =>
    call(client.DELETE('/api/v1/rollout-policies/{name}', { params: { path: { name } } })),
  login: (username: string, password: string) =>
    call(client.POST('/api/v1/auth/login', { body: { username, password } }), true),
  me: () => call(client.GET('/api/v1/auth/me')),
  serverInfo: () => call(client.GET('/api/v1/server-info')),
  overview: () => call(client.GET('/api/v1/overview')),
  changeOwnPassword: (current_password: string, new_password: string) =>
    call(client.PUT('/api/v1/users/me/password', { body: { current_password, new_password } }), true),

  agents: (filter: { status?: string; selector?: string; q?: string; drift?: string }, sort: AgentSortOrder) =>
    list(
      client.GET('/api/v1/agents', {
        params: {
          query: {
            ...nonEmpty({ selector: filter.selector, q: filter.q }),
            status: filter.status === 'online' || filter.status === 'offline' ? filter.status : undefined,
            drift: DRIFT_STATES.find((state) => state === filter.drift),
            ...sort,
            page_size: ALL,
          },
        },
      }),
    ),
  agent: (id: string) => call(client.GET('/api/v1/agents/{id}', { params: { path: { id } } })) as Promise<AgentDetail>,
  setLabels: (id: string, labels: Record<string, string>) =>
    call(client.PUT('/api/v1/agents/{id}/labels', { params: { path: { id } }, body: { labels } })),
  restart: (id: string) => call(client.POST('/api/v1/agents/{id}/restart', { params: { path: { id } } })),
  agentApplyHistory: (id: string) =>
    call(client.GET('/api/v1/agents/{id}/apply-history', { params: { path: { id } } })),
  agentDrift: (id: string) => call(client.GET('/api/v1/agents/{id}/drift', { params: { path: { id } } })),
  customMessages: (id: string) => call(client.GET('/api/v1/agents/{id}/custom-messages', { params: { path: { id } } })),
  sendCustomMessage: (id: string, message: Schemas['SendCustomMessageRequest']) =>
    call(client.POST('/api/v1/agents/{id}/custom-messages', { params: { path: { id } }, body: message })),
  /** Re-offers a configuration to one agent, even one that already applied or failed that version. */
  pushToAgent: (name: string, agentId: string) =>
    call(
      client.POST('/api/v1/configurations/{name}/push', {
        params: { path: { name } },
        body: { agent_ids: [agentId], force: true, wait: true },
      }),
    ),

  configurations: () => call(client.GET('/api/v1/configurations', { params: { query: { page_size: ALL } } })),
  configuration: (name: string) => call(client.GET('/api/v1/configurations/{name}', { params: { path: { name } } })),
  createConfiguration: (input: ConfigurationInput) =>
    call(client.POST('/api/v1/configurations', { body: { file_name: '', ...input } })),
  validateConfiguration: (raw_config: string, content_type: ContentType) =>
    call(client.POST('/api/v1/configurations/validate', { body: { raw_config, content_type } })),
  updateConfiguration: (name: string, input: Partial<ConfigurationInput>) =>
    call(
      client.PUT('/api/v1/configurations/{name}', {
        params: { path: { name } },
        // openapi-typescript makes fields with a documented default required; the API keeps omitted ones.
        body: input as Schemas['UpdateConfigurationRequest'],
      }),
    ),
  deleteConfiguration: (name: string) =>
    call(client.DELETE('/api/v1/configurations/{name}', { params: { path: { name }, query: { force: true } } })),
  history: (name: string) => call(client.GET('/api/v1/configurations/{name}/history', { params: { path: { name } } })),
  diff: (name: string, from: number, to: number) =>
    call(client.GET('/api/v1/configurations/{name}/diff', { params: { path: { name }, query: { from, to } } })),
  rollback: (name: string, version: number) =>
    call(client.POST('/api/v1/configurations/{name}/rollback/{version}', { params: { path: { name, version } } })),
  push: (name: string) =>
    call(
      client.POST('/api/v1/configurations/{name}/push', {
        params: { path: { name } },
        body: { force: false, wait: true },
      }),
    ),
  pushSummary: (name: string, pushId: string) =>
    call(client.GET('/api/v1/configurations/{name}/push/{pushId}', { params: { path: { name, pushId } } })),
  configurationAgents: (name: string) =>
    call(
      client.GET('/api/v1/configurations/{name}/agents', {
        params: { path: { name }, query: { page_size: ALL } },
      }),
    ),

  packages: () => call(client.GET('/api/v1/packages', { params: { query: { page_size: ALL } } })),
  package: (id: number) => call(client.GET('/api/v1/packages/{id}', { params: { path: { id } } })),
  deletePackage: (id: number) => call(client.DELETE('/api/v1/packages/{id}', { params: { path: { id } } })),
  signingKeys: () => call(client.GET('/api/v1/signing-keys')),
  audit: (query: AuditQuery) => call(client.GET('/api/v1/audit', { params: { query } })),
  addSigningKey: (armoredKey: string) =>
    call(client.POST('/api/v1/signing-keys', { body: { armored_key: armoredKey } })),
  deleteSigningKey: (id: number) => call(client.DELETE('/api/v1/signing-keys/{id}', { params: { path: { id } } })),
  packageAssignments: () => call(client.GET('/api/v1/package-assignments')),
  /** `hold`: offered to nobody until a rollout takes it to the agents stage by stage. */
  assignPackage: (packageId: number, selector: Record<string, string>, hold = false) =>
    call(client.POST('/api/v1/package-assignments', { body: { package_id: packageId, selector, hold } })),
  unassignPackage: (id: number) =>
    call(client.DELETE('/api/v1/package-assignments/{id}', { params: { path: { id } } })),

  users: () => call(client.GET('/api/v1/users')),
  createUser: (username: string, password: string, role: Role) =>
    call(client.POST('/api/v1/users', { body: { username, password, role } })),
  updateUser: (id: string, patch: { role?: Role; disabled?: boolean; password?: string }) =>
    call(client.PATCH('/api/v1/users/{id}', { params: { path: { id } }, body: patch })),
  agentKeys: () => call(client.GET('/api/v1/agent-keys')),
  createAgentKey: (name: string) => call(client.POST('/api/v1/agent-keys', { body: { name } })),
  deleteAgentKey: (id: string) => call(client.DELETE('/api/v1/agent-keys/{id}', { params: { path: { id } } })),

  connectionSettings: () => call(client.GET('/api/v1/connection-settings')),
  createConnectionSettings: (input: Schemas['CreateConnectionSettingsRequest']) =>
    call(client.POST('/api/v1/connection-settings', { body: input })),
  updateConnectionSettings: (name: string, input: ConnectionSettingsInput) =>
    call(client.PUT('/api/v1/connection-settings/{name}', { params: { path: { name } }, body: input })),
  deleteConnectionSettings: (name: string) =>
    call(client.DELETE('/api/v1/connection-settings/{name}', { params: { path: { name } } })),
};

function nonEmpty<T extends Record<string, string | undefined>>(params: T): Partial<T> {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;
}

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
      const body = JSON.parse(xhr.responseText || '{}') as unknown;
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(body as Package);
      } else {
        reject(new ApiError(xhr.status, messageOf(body, xhr.statusText)));
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
