/**
 * TypeScript shapes of the OpAMP messages as the codec hands them out: protobufjs objects
 * converted with `longs: Number`, so uint64 fields are numbers and bytes are Uint8Array. An
 * absent field is `undefined`, which is how status compression says "unchanged".
 */

export interface AnyValue {
  string_value?: string;
  bool_value?: boolean;
  int_value?: number;
  double_value?: number;
  array_value?: { values?: AnyValue[] };
  kvlist_value?: { values?: KeyValue[] };
  bytes_value?: Uint8Array;
}

export interface KeyValue {
  key: string;
  value?: AnyValue;
}

export interface AgentDescription {
  identifying_attributes?: KeyValue[];
  non_identifying_attributes?: KeyValue[];
}

export interface ComponentHealth {
  healthy?: boolean;
  start_time_unix_nano?: number;
  last_error?: string;
  status?: string;
  status_time_unix_nano?: number;
  component_health_map?: Record<string, ComponentHealth>;
}

export interface AgentConfigFile {
  body?: Uint8Array;
  content_type?: string;
}

export interface AgentConfigMap {
  config_map?: Record<string, AgentConfigFile>;
}

export interface RemoteConfigStatus {
  last_remote_config_hash?: Uint8Array;
  status?: number;
  error_message?: string;
}

export interface PackageStatus {
  name?: string;
  agent_has_version?: string;
  agent_has_hash?: Uint8Array;
  server_offered_version?: string;
  server_offered_hash?: Uint8Array;
  status?: number;
  error_message?: string;
  download_details?: { download_percent?: number; download_bytes_per_second?: number };
}

export interface PackageStatuses {
  packages?: Record<string, PackageStatus>;
  server_provided_all_packages_hash?: Uint8Array;
  error_message?: string;
}

export interface ComponentDetails {
  metadata?: KeyValue[];
  sub_component_map?: Record<string, ComponentDetails>;
}

export interface AgentToServer {
  instance_uid?: Uint8Array;
  sequence_num?: number;
  agent_description?: AgentDescription;
  capabilities?: number;
  health?: ComponentHealth;
  effective_config?: { config_map?: AgentConfigMap };
  remote_config_status?: RemoteConfigStatus;
  package_statuses?: PackageStatuses;
  agent_disconnect?: Record<string, never>;
  flags?: number;
  connection_settings_request?: { opamp?: { certificate_request?: { csr?: Uint8Array } } };
  custom_capabilities?: { capabilities?: string[] };
  custom_message?: { capability?: string; type?: string; data?: Uint8Array };
  available_components?: { components?: Record<string, ComponentDetails>; hash?: Uint8Array };
  connection_settings_status?: { last_connection_settings_hash?: Uint8Array; status?: number; error_message?: string };
}

export interface Header {
  key: string;
  value: string;
}

export interface DownloadableFile {
  download_url: string;
  content_hash: Uint8Array;
  signature?: Uint8Array;
  headers?: { headers: Header[] };
}

export interface PackageAvailable {
  type: number;
  version: string;
  file: DownloadableFile;
  hash: Uint8Array;
}

export interface PackagesAvailable {
  packages: Record<string, PackageAvailable>;
  all_packages_hash: Uint8Array;
}

export interface AgentRemoteConfig {
  config: { config_map: Record<string, { body: Uint8Array; content_type: string }> };
  config_hash: Uint8Array;
}

export interface ServerErrorResponse {
  type: number;
  error_message?: string;
  retry_info?: { retry_after_nanoseconds: number };
}

export interface ServerToAgent {
  instance_uid: Uint8Array;
  error_response?: ServerErrorResponse;
  remote_config?: AgentRemoteConfig;
  connection_settings?: {
    hash?: Uint8Array;
    opamp?: { destination_endpoint?: string; heartbeat_interval_seconds?: number; headers?: { headers: Header[] } };
  };
  packages_available?: PackagesAvailable;
  flags?: number;
  capabilities?: number;
  agent_identification?: { new_instance_uid: Uint8Array };
  command?: { type: number };
  custom_capabilities?: { capabilities?: string[] };
  custom_message?: { capability?: string; type?: string; data?: Uint8Array };
}

/** Everything of a ServerToAgent but the instance_uid, which the transport fills in. */
export type ServerToAgentDraft = Omit<ServerToAgent, 'instance_uid'>;

export const AgentCapabilities = {
  ReportsStatus: 0x1,
  AcceptsRemoteConfig: 0x2,
  ReportsEffectiveConfig: 0x4,
  AcceptsPackages: 0x8,
  ReportsPackageStatuses: 0x10,
  ReportsOwnTraces: 0x20,
  ReportsOwnMetrics: 0x40,
  ReportsOwnLogs: 0x80,
  AcceptsOpAMPConnectionSettings: 0x100,
  AcceptsOtherConnectionSettings: 0x200,
  AcceptsRestartCommand: 0x400,
  ReportsHealth: 0x800,
  ReportsRemoteConfig: 0x1000,
  ReportsHeartbeat: 0x2000,
  ReportsAvailableComponents: 0x4000,
  ReportsConnectionSettingsStatus: 0x8000,
} as const;

export const ServerCapabilities = {
  AcceptsStatus: 0x1,
  OffersRemoteConfig: 0x2,
  AcceptsEffectiveConfig: 0x4,
  OffersPackages: 0x8,
  AcceptsPackagesStatus: 0x10,
  OffersConnectionSettings: 0x20,
  AcceptsConnectionSettingsRequest: 0x40,
} as const;

export const AgentToServerFlags = { RequestInstanceUid: 0x1 } as const;
export const ServerToAgentFlags = { ReportFullState: 0x1, ReportAvailableComponents: 0x2 } as const;
export const ServerErrorResponseType = { Unknown: 0, BadRequest: 1, Unavailable: 2 } as const;
export const CommandType = { Restart: 0 } as const;
export const PackageType = { TopLevel: 0, Addon: 1 } as const;

export const RemoteConfigStatuses = { UNSET: 0, APPLIED: 1, APPLYING: 2, FAILED: 3 } as const;
export const REMOTE_CONFIG_STATUS_NAMES = ['UNSET', 'APPLIED', 'APPLYING', 'FAILED'] as const;
export type RemoteConfigStatusName = (typeof REMOTE_CONFIG_STATUS_NAMES)[number];

export const PackageStatusEnum = {
  Installed: 0,
  InstallPending: 1,
  Installing: 2,
  InstallFailed: 3,
  Downloading: 4,
} as const;
export const PACKAGE_STATUS_NAMES = [
  'installed',
  'install_pending',
  'installing',
  'install_failed',
  'downloading',
] as const;
export type PackageStatusName = (typeof PACKAGE_STATUS_NAMES)[number];
